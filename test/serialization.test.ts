import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  type Coordinator,
  environmentDocument,
  readRuns,
  runLog,
  startCoordinator,
  startDeployment,
} from './helpers/coordinator';
import { startServer } from './helpers/server';

let env: TestWorkflowEnvironment;
let coordinator: Coordinator;
const log = runLog();

beforeAll(async () => {
  env = await startServer();
  coordinator = await startCoordinator(env, { staging: environmentDocument(log, {}, 150) });
});
afterAll(async () => {
  await coordinator?.stop();
  await env?.teardown();
});

test('10 concurrent deployments to one environment run one at a time', async () => {
  const ids = Array.from({ length: 10 }, (_, i) => `concurrent-${i}`);
  const handles = await Promise.all(
    ids.map((correlationId) => startDeployment(env, coordinator.taskQueue, { environment: 'staging', correlationId })),
  );
  const results = await Promise.all(handles.map((handle) => handle.result()));
  expect(results.map((result) => result.status)).toEqual(ids.map(() => 'succeeded'));

  const runs = readRuns(log);
  const intervals = ids.map((id) => {
    const start = runs.find((run) => run.correlationId === id && run.event === 'start');
    const end = runs.find((run) => run.correlationId === id && run.event === 'end');
    if (!start || !end) throw new Error(`no complete run recorded for ${id}`);
    return { id, start: start.at, end: end.at };
  });
  intervals.sort((a, b) => a.start - b.start);
  for (let i = 1; i < intervals.length; i++) {
    const previous = intervals[i - 1]!;
    const current = intervals[i]!;
    // The next run may start only after the previous one has ended.
    expect(current.start).toBeGreaterThanOrEqual(previous.end);
  }
  expect(runs.every((run) => run.environment === 'staging' && run.stackName === 'TestStack')).toBe(true);
});
