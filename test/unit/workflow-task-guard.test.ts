// The workflow-task guard's rules, on activations as the SDK builds them. Refused while running live: events applied
// with no new workflow task (history longer, size and clock those of the last task); the first events a worker applies
// live to a workflow it rebuilt, from a task that began longer ago than the task timeout. Not refused: a new task, a
// local activity's result within a task, a replay, a query. The end-to-end case is query-on-new-worker.test.ts.
import type { ActivateInput } from '@temporalio/workflow';
import { EventsOutsideWorkflowTaskError, guardInterceptors } from '../../src/workflows/workflow-task-guard';

type Activation = ActivateInput['activation'];
const signal = { signalWorkflow: { signalName: 'release', input: [] } };
const activation = (length: number, size: number, nanos: number, extra: Partial<Activation> = {}): Activation =>
  ({
    jobs: [signal],
    historyLength: length,
    historySizeBytes: size,
    timestamp: { seconds: 1_800_000_000, nanos },
    isReplaying: false,
    ...extra,
  }) as Activation;

const TASK_STARTED_MS = 1_800_000_000_000;
const replayed = (activation: Activation): Activation => ({ ...activation, isReplaying: true }) as Activation;

/**
 * Runs activations through one workflow's guard; the index of the first refused, or -1. The worker's clock reads, at
 * each activation, `sinceStartMs` (one for each, or one for all) after the activations' tasks began (by default
 * moments after); the task timeout is 10 s.
 */
function firstRefused(activations: Activation[], sinceStartMs: number | number[] = 50): number {
  let index = 0;
  const nowMs = () => TASK_STARTED_MS + (Array.isArray(sinceStartMs) ? sinceStartMs[index]! : sinceStartMs);
  const guard = guardInterceptors(() => ({ nowMs: nowMs(), taskTimeoutMs: 10_000 })).internals?.[0];
  if (!guard?.activate) throw new Error('the guard has no activate interceptor');
  for (const [at, each] of activations.entries()) {
    index = at;
    try {
      guard.activate({ activation: each, batchIndex: 0 }, () => undefined);
    } catch (err) {
      expect(err).toBeInstanceOf(EventsOutsideWorkflowTaskError);
      expect(String(err)).toContain(`history events ${Number(activations[at - 1]?.historyLength ?? 0) + 1}-`);
      return at;
    }
  }
  return -1;
}

test.each<[string, Activation[], number]>([
  ['each workflow task in turn', [activation(3, 200, 1), activation(8, 700, 2), activation(14, 1200, 3)], -1],
  [
    "events applied by a query's replay, with no new task",
    [activation(3, 200, 1), activation(8, 700, 2), activation(14, 700, 2)],
    2,
  ],
  [
    "a task returned with the last one's completion, its size the last one's",
    [activation(6, 877, 1), activation(17, 877, 9)],
    -1,
  ],
  ['a local activity resolved within the task', [activation(6, 877, 1), activation(6, 877, 5)], -1],
  [
    'the same events while replaying',
    [activation(3, 200, 1, { isReplaying: true }), activation(14, 200, 1, { isReplaying: true })],
    -1,
  ],
  [
    'a query after the events',
    [
      activation(8, 700, 2),
      activation(14, 700, 2, { jobs: [{ queryWorkflow: { queryId: 'q', queryType: 'queue' } }] }),
    ],
    -1,
  ],
  ['a server that gives no size', [activation(8, 0, 2), activation(14, 0, 2)], -1],
])('%s', (_case, activations, refused) => {
  expect(firstRefused(activations)).toBe(refused);
});

test.each<[string, Activation[], number | number[], number]>([
  [
    "a rebuilt workflow's first live events, from a task that began past the task timeout (it timed out)",
    [replayed(activation(3, 200, 1)), replayed(activation(8, 700, 2)), activation(15, 1200, 3)],
    10_001,
    2,
  ],
  ["a new workflow's first task, begun past the task timeout", [activation(3, 200, 1)], 10_001, 0],
  [
    "a rebuilt workflow's first live task, begun within the task timeout",
    [replayed(activation(3, 200, 1)), replayed(activation(8, 700, 2)), activation(15, 1200, 3)],
    9_000,
    -1,
  ],
  [
    'a later activation of a task that began past the task timeout (a long local activity)',
    [replayed(activation(3, 200, 1)), activation(8, 700, 2), activation(8, 700, 2)],
    [0, 50, 12_000],
    -1,
  ],
  [
    'events replayed from a task that began long ago',
    [replayed(activation(3, 200, 1)), replayed(activation(8, 700, 2))],
    3_600_000,
    -1,
  ],
])('%s', (_case, activations, sinceStartMs, refused) => {
  expect(firstRefused(activations, sinceStartMs)).toBe(refused);
});
