// The lock is per environment: staging and production deploy at the same time.
import {
  environmentDocument,
  Holds,
  runIntervals,
  runLog,
  useCoordinator,
  waitForRun,
  outcome,
} from './helpers/coordinator';

const log = runLog();
const holds = new Holds();
const coordinator = useCoordinator({
  staging: environmentDocument(log, { stackName: 'AppStack-Staging' }, 100, holds),
  production: environmentDocument(log, { stackName: 'AppStack' }, 100, holds),
});

test('two environments run their deployments in parallel', async () => {
  holds.hold('par-staging');
  holds.hold('par-production');
  const handles = await Promise.all([
    coordinator.deploy({ environment: 'staging', correlationId: 'par-staging' }),
    coordinator.deploy({ environment: 'production', correlationId: 'par-production' }),
  ]);
  // Both deploy steps are running at once, each holding its own environment.
  await Promise.all([waitForRun(log, 'par-staging'), waitForRun(log, 'par-production')]);
  holds.release('par-staging');
  holds.release('par-production');
  const results = await Promise.all(handles.map((handle) => outcome(handle)));
  expect(results.map((result) => [result.environment, result.stackName, result.status])).toEqual([
    ['staging', 'AppStack-Staging', 'succeeded'],
    ['production', 'AppStack', 'succeeded'],
  ]);
  const [first, second] = runIntervals(log);
  // Overlap: the second started before the first ended.
  expect(second!.start).toBeLessThan(first!.end!);
});
