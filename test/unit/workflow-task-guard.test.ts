// The workflow-task guard's rule, on activations as the SDK builds them: events applied with no new workflow task
// (history longer, size and clock those of the last task) are refused while running live; a new task, a local
// activity's result within a task, a replay and a query are not. The end-to-end case is query-on-new-worker.test.ts.
import type { ActivateInput } from '@temporalio/workflow';
import { EventsOutsideWorkflowTaskError, interceptors } from '../../src/workflows/workflow-task-guard';

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

/** Runs activations through one workflow's guard; the index of the first refused, or -1. */
function firstRefused(activations: Activation[]): number {
  const guard = interceptors().internals?.[0];
  if (!guard?.activate) throw new Error('the guard has no activate interceptor');
  for (const [index, each] of activations.entries()) {
    try {
      guard.activate({ activation: each, batchIndex: 0 }, () => undefined);
    } catch (err) {
      expect(err).toBeInstanceOf(EventsOutsideWorkflowTaskError);
      expect(String(err)).toContain(`history events ${Number(activations[index - 1]?.historyLength) + 1}-`);
      return index;
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
