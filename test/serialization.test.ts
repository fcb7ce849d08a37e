// 10 deployments requested at once to one environment run one at a time.
import { environmentDocument, readRuns, runLog, useCoordinator, outcome } from './helpers/coordinator';

const log = runLog();
const coordinator = useCoordinator({ staging: environmentDocument(log, {}, 150) });

test('10 concurrent deployments to one environment run one at a time', async () => {
  const ids = Array.from({ length: 10 }, (_, i) => `concurrent-${i}`);
  const handles = await Promise.all(
    ids.map((correlationId) => coordinator.deploy({ environment: 'staging', correlationId })),
  );
  const results = await Promise.all(handles.map((handle) => outcome(handle)));
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
    // The next run may start only after the previous one has ended.
    expect(intervals[i]!.start).toBeGreaterThanOrEqual(intervals[i - 1]!.end);
  }
  expect(runs.every((run) => run.environment === 'staging' && run.stackName === 'TestStack')).toBe(true);
});
