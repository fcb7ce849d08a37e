// The queue's rules as properties, over random sequences of requests, grants, releases and withdrawals, checked
// against a model written apart from the code: FIFO within a priority, high before normal, a deployment never
// queued twice, supersede leaves only the newest waiting, and nothing requested is ever lost.
import fc from 'fast-check';
import { admit } from '../../src/domain/queue-order';
import type { Holder, TurnRequest } from '../../src/contract/queue';
import type { QueueMode } from '../../src/contract/settings';

type Op =
  | { kind: 'request'; id: number; run: 'a' | 'b'; priority: 'normal' | 'high' }
  | { kind: 'grant' }
  | { kind: 'release' }
  | { kind: 'withdraw'; id: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('request' as const),
      // A small pool of deployments, so that the same one asks again (a retried activity) and runs repeat (resets).
      id: fc.nat(7),
      run: fc.constantFrom<'a' | 'b'>('a', 'a', 'a', 'b'),
      priority: fc.constantFrom<'normal' | 'high'>('normal', 'high'),
    }),
  },
  { weight: 2, arbitrary: fc.constant({ kind: 'grant' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'release' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('withdraw' as const), id: fc.nat(7) }) },
);

const turnRequest = (id: number, run: string, priority: 'normal' | 'high', mode: QueueMode, at: number) =>
  ({
    workflowId: `deploy/staging/d${id}`,
    runId: run,
    correlationId: `d${id}`,
    stackName: 'Api',
    priority,
    requestedAt: at,
    queueMode: mode,
    livenessCheckIntervalMs: 60_000,
    expectedDurationMs: 60_000,
    revokeWaitMs: 70_000,
    notices: { to: 'log' },
  }) satisfies TurnRequest;

/** The model: two plain lists in arrival order, high first; an entry is its workflow ID and run. */
interface Model {
  holder?: { workflowId: string; runId: string };
  high: Array<{ workflowId: string; runId: string }>;
  normal: Array<{ workflowId: string; runId: string }>;
}

/** Runs the ops through admit() and the model side by side; fails on the first difference. */
function check(ops: Op[], mode: QueueMode): void {
  let holder: Holder | undefined;
  let waiting: TurnRequest[] = [];
  const model: Model = { high: [], normal: [] };
  // Every request that joined the queue ends in one of these, or is still waiting or holding.
  const superseded = new Set<string>();
  const withdrawn = new Set<string>();
  const finished = new Set<string>();
  const joined = new Set<string>();
  const key = (entry: { workflowId: string; runId?: string }) => `${entry.workflowId}@${entry.runId}`;
  let lease = 0;

  ops.forEach((next, at) => {
    switch (next.kind) {
      case 'request': {
        const request = turnRequest(next.id, next.run, next.priority, mode, at);
        const before = waiting;
        const admission = admit(holder, waiting, request, mode);
        const modelWaiting = [...model.high, ...model.normal];
        if (model.holder?.workflowId === request.workflowId && model.holder.runId === request.runId) {
          expect(admission.kind).toBe('holder-again');
          return;
        }
        const place = modelWaiting.findIndex((entry) => entry.workflowId === request.workflowId);
        if (place !== -1) {
          expect(admission.kind).toBe('waiting-already');
          // Keeps its place; a new run takes it over.
          for (const list of [model.high, model.normal]) {
            const index = list.findIndex((entry) => entry.workflowId === request.workflowId);
            if (index !== -1) list[index] = { workflowId: request.workflowId, runId: request.runId };
          }
        } else {
          expect(admission.kind).toBe('queued');
          if (mode === 'supersede') {
            for (const entry of modelWaiting) superseded.add(key(entry));
            model.high = [];
            model.normal = [];
            if (admission.kind === 'queued') expect(admission.superseded.map(key)).toEqual(before.map(key));
          }
          (request.priority === 'high' ? model.high : model.normal).push({
            workflowId: request.workflowId,
            runId: request.runId,
          });
          joined.add(key(request));
        }
        if (admission.kind !== 'holder-again') waiting = admission.waiting;
        break;
      }
      case 'grant': {
        if (holder || waiting.length === 0) return;
        const [first, ...rest] = waiting;
        holder = { ...first!, leaseId: `l${++lease}`, grantedAt: at };
        waiting = rest;
        model.holder = (model.high.length > 0 ? model.high : model.normal).shift();
        break;
      }
      case 'release':
        if (holder) finished.add(key(holder));
        holder = undefined;
        model.holder = undefined;
        break;
      case 'withdraw': {
        const workflowId = `deploy/staging/d${next.id}`;
        for (const entry of waiting) if (entry.workflowId === workflowId) withdrawn.add(key(entry));
        waiting = waiting.filter((entry) => entry.workflowId !== workflowId);
        model.high = model.high.filter((entry) => entry.workflowId !== workflowId);
        model.normal = model.normal.filter((entry) => entry.workflowId !== workflowId);
        break;
      }
    }
    // FIFO within a priority, high before normal: exactly the model's order.
    expect(waiting.map(key)).toEqual([...model.high, ...model.normal].map(key));
    expect(holder && key(holder)).toEqual(model.holder && key(model.holder));
    // Never queued twice.
    expect(new Set(waiting.map((entry) => entry.workflowId)).size).toBe(waiting.length);
    // Supersede: only the newest request waits.
    if (mode === 'supersede') expect(waiting.length).toBeLessThanOrEqual(1);
  });

  // Nothing lost: every request that joined holds, waits, finished, was withdrawn or superseded (a run replaced by
  // its own reset counts as the same deployment).
  const accounted = new Set([
    ...(holder ? [holder.workflowId] : []),
    ...waiting.map((entry) => entry.workflowId),
    ...[...finished, ...withdrawn, ...superseded].map((entry) => entry.split('@')[0]),
  ]);
  for (const entry of joined) expect(accounted).toContain(entry.split('@')[0]);
}

test('queue mode: FIFO within a priority, high first, never queued twice, nothing lost', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), (ops) => check(ops, 'queue')),
    { numRuns: 500 },
  );
});

test('supersede mode: only the newest request waits, and the ones it replaced are told', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), (ops) => check(ops, 'supersede')),
    { numRuns: 500 },
  );
});

test('admit leaves its inputs alone', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(7), fc.boolean()), { maxLength: 10 }), fc.nat(7), (entries, id) => {
      const waiting = Object.freeze(
        entries.map(([n, isHigh]) => Object.freeze(turnRequest(n, 'a', isHigh ? 'high' : 'normal', 'queue', n))),
      );
      const copy = JSON.stringify(waiting);
      admit(undefined, waiting, turnRequest(id, 'b', 'high', 'queue', 99), 'queue');
      admit(undefined, waiting, turnRequest(id, 'a', 'normal', 'supersede', 99), 'supersede');
      expect(JSON.stringify(waiting)).toBe(copy);
    }),
  );
});
