// The queue's rules on the live lock: short random sequences of requests (normal and high), finished deploys,
// withdrawals and force-releases against a real server and worker, each step checked against a model written apart
// from the code; at the end, the deploy commands ran in the model's order, one at a time, and each deployment ended
// as the model says.
import fc from 'fast-check';
import type { WorkflowHandle } from '@temporalio/client';
import { forceReleaseSignal, type QueueView } from '../src/contract';
import { lockWorkflowId } from '../src/contract/names';
import type { deployment } from '../src/workflows';
import { environmentDocument, Holds, outcome, runIntervals, runLog, useCoordinator } from './helpers/coordinator';

type Op =
  | { kind: 'request'; priority: 'normal' | 'high' }
  | { kind: 'finish' }
  | { kind: 'withdraw'; pick: number }
  | { kind: 'force-release' };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('request' as const),
      priority: fc.constantFrom<'normal' | 'high'>('normal', 'high'),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'finish' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('withdraw' as const), pick: fc.nat(9) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'force-release' as const }) },
);

const RUNS = 15;
const log = runLog();
const holds = new Holds();
const modes = Array.from({ length: RUNS }, (_, run) => (run % 3 === 2 ? 'supersede' : 'queue'));
const coordinator = useCoordinator(
  Object.fromEntries(modes.map((queueMode, run) => [`prop-${run}`, environmentDocument(log, { queueMode }, 0, holds)])),
);

/** The model: the holder and two plain lists in arrival order; and how each deployment is to end. */
interface Model {
  holder?: string;
  high: string[];
  normal: string[];
  granted: string[];
  ending: Map<string, string>;
}

const waitingOf = (model: Model) => [...model.high, ...model.normal];
const matches = (model: Model) => (view: QueueView) =>
  (view.holder?.correlationId ?? undefined) === model.holder &&
  JSON.stringify(view.waiting.map((entry) => entry.correlationId)) === JSON.stringify(waitingOf(model));

/** The next waiting deployment takes the turn once the holder's is over. */
function passOn(model: Model): void {
  model.holder = model.high.shift() ?? model.normal.shift();
  if (model.holder !== undefined) model.granted.push(model.holder);
}

let run = 0;

test('a live lock follows the model: order, withdrawals, supersede, force-release; one command at a time', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 3, maxLength: 8 }), async (ops) => {
      const environment = `prop-${run}`;
      const supersede = modes[run] === 'supersede';
      run += 1;
      const model: Model = { high: [], normal: [], granted: [], ending: new Map() };
      const handles = new Map<string, WorkflowHandle<typeof deployment>>();
      let n = 0;
      for (const next of ops) {
        if (next.kind === 'request') {
          const correlationId = `${environment}-${++n}`;
          holds.hold(correlationId);
          handles.set(correlationId, await coordinator.deploy({ environment, correlationId, priority: next.priority }));
          model.ending.set(correlationId, 'succeeded');
          if (supersede) {
            for (const old of waitingOf(model)) model.ending.set(old, 'superseded');
            model.high = [];
            model.normal = [];
          }
          (next.priority === 'high' ? model.high : model.normal).push(correlationId);
          if (model.holder === undefined) passOn(model);
        } else if (next.kind === 'finish') {
          if (model.holder === undefined) continue;
          holds.release(model.holder);
          passOn(model);
        } else if (next.kind === 'withdraw') {
          const waiting = waitingOf(model);
          const target = waiting[next.pick % Math.max(1, waiting.length)];
          if (target === undefined) continue;
          await handles.get(target)!.cancel();
          model.ending.set(target, 'cancelled');
          model.high = model.high.filter((id) => id !== target);
          model.normal = model.normal.filter((id) => id !== target);
        } else {
          if (model.holder === undefined) continue;
          await coordinator.env.client.workflow
            .getHandle(lockWorkflowId(environment))
            .signal(forceReleaseSignal, { reason: 'property test', by: 'test' });
          model.ending.set(model.holder, 'revoked');
          passOn(model);
        }
        await coordinator.queueWhen(environment, matches(model), 20_000);
      }

      // Everything still held finishes; every deployment ends as the model says.
      for (const correlationId of handles.keys()) holds.release(correlationId);
      for (const [correlationId, handle] of handles) {
        expect([correlationId, (await outcome(handle)).status]).toEqual([
          correlationId,
          model.ending.get(correlationId),
        ]);
      }
      // Those still waiting at the end took the turn in the model's order once their holds were released.
      while (model.holder !== undefined) passOn(model);
      const runs = runIntervals(log).filter((entry) => entry.correlationId.startsWith(`${environment}-`));
      // A holder force-released before its command started never runs it; every other one granted runs, in order.
      const ran = new Set(runs.map((entry) => entry.correlationId));
      const expected = model.granted.filter((id) => model.ending.get(id) !== 'revoked' || ran.has(id));
      expect(runs.map((entry) => entry.correlationId)).toEqual(expected);
      for (let i = 1; i < runs.length; i++) {
        expect(runs[i]!.start).toBeGreaterThanOrEqual(runs[i - 1]!.end ?? runs[i - 1]!.terminated!);
      }
    }),
    { numRuns: RUNS, endOnFailure: true },
  );
}, 600_000);
