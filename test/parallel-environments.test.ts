// The lock is per environment: staging and production deploy at the same time.
import { environmentDocument, runIntervals, runLog, useCoordinator } from './helpers/coordinator';

const log = runLog();
const coordinator = useCoordinator({
  staging: environmentDocument(log, { stackName: 'AppStack-Staging' }, 2000),
  production: environmentDocument(log, { stackName: 'AppStack' }, 2000),
});

test('two environments run their deployments in parallel', async () => {
  const handles = await Promise.all([
    coordinator.deploy({ environment: 'staging', correlationId: 'par-staging' }),
    coordinator.deploy({ environment: 'production', correlationId: 'par-production' }),
  ]);
  const results = await Promise.all(handles.map((handle) => handle.result()));
  expect(results.map((result) => [result.environment, result.stackName, result.status])).toEqual([
    ['staging', 'AppStack-Staging', 'succeeded'],
    ['production', 'AppStack', 'succeeded'],
  ]);
  const [first, second] = runIntervals(log);
  // Overlap: the second started before the first ended.
  expect(second!.start).toBeLessThan(first!.end!);
});
