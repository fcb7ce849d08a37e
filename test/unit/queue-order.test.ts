// The environment lock's queue arithmetic: who goes next (FIFO, high priority first) and the ETAs deployctl shows.
import { admit, enqueue, queueView } from '../../src/domain/queue-order';
import type { Holder, TurnRequest } from '../../src/contract/queue';

const request = (correlationId: string, overrides: Partial<TurnRequest> = {}): TurnRequest => ({
  workflowId: `deploy/production/${correlationId}`,
  runId: 'run-1',
  correlationId,
  stackName: 'Api',
  priority: 'normal',
  requestedAt: 1_000,
  queueMode: 'queue',
  livenessCheckIntervalMs: 60_000,
  expectedDurationMs: 600_000,
  revokeWaitMs: 70_000,
  notices: { to: 'log' },
  ...overrides,
});
const high = (correlationId: string) => request(correlationId, { priority: 'high' });
const holder = (correlationId: string, grantedAt: number, overrides: Partial<TurnRequest> = {}): Holder => ({
  ...request(correlationId, overrides),
  leaseId: `lease-${correlationId}`,
  grantedAt,
});
const ids = (queue: readonly TurnRequest[]) => queue.map((entry) => entry.correlationId);
const enqueueAll = (requests: TurnRequest[]) => requests.reduce<TurnRequest[]>(enqueue, []);

test('normal requests wait in the order they came', () => {
  expect(ids(enqueueAll([request('a'), request('b'), request('c')]))).toEqual(['a', 'b', 'c']);
});

test('a high-priority request goes ahead of every normal one, but behind earlier high ones', () => {
  expect(ids(enqueue([], high('h1')))).toEqual(['h1']);
  expect(ids(enqueue([request('n1'), request('n2')], high('h1')))).toEqual(['h1', 'n1', 'n2']);
  expect(ids(enqueueAll([request('n1'), high('h1'), request('n2'), high('h2')]))).toEqual(['h1', 'h2', 'n1', 'n2']);
  expect(ids(enqueue([high('h1'), high('h2')], high('h3')))).toEqual(['h1', 'h2', 'h3']);
  expect(ids(enqueue([high('h1'), request('n1')], request('n2')))).toEqual(['h1', 'n1', 'n2']);
});

test('enqueue returns a new queue and leaves its input alone', () => {
  const waiting = Object.freeze([high('h1'), request('n1')]);
  const normal = enqueue(waiting, request('n2'));
  const urgent = enqueue(waiting, high('h2'));
  expect(ids(waiting)).toEqual(['h1', 'n1']);
  expect(normal).not.toBe(waiting);
  expect(ids(normal)).toEqual(['h1', 'n1', 'n2']);
  expect(ids(urgent)).toEqual(['h1', 'h2', 'n1']);
  const allHigh = [high('h1')];
  expect(enqueue(allHigh, high('h2'))).not.toBe(allHigh);
  expect(ids(allHigh)).toEqual(['h1']);
});

test('an idle environment: nobody deploying, nobody waiting', () => {
  expect(queueView('production', undefined, [], [1_000], 50_000)).toStrictEqual({
    environment: 'production',
    holder: null,
    waiting: [],
  });
});

test('without recent durations each request counts its expected duration; ETAs add up behind the holder', () => {
  const current = holder('deploy-1', 10_000, { expectedDurationMs: 600_000 });
  const waiting = [
    request('deploy-2', { expectedDurationMs: 300_000 }),
    high('deploy-3'),
    request('deploy-4', { expectedDurationMs: 60_000 }),
  ];
  const view = queueView('production', current, waiting, [], 130_000);
  expect(view.holder).toStrictEqual({ ...current, runningMs: 120_000 });
  expect(view.waiting.map((entry) => [entry.position, entry.correlationId, entry.etaMs])).toEqual([
    [1, 'deploy-2', 480_000],
    [2, 'deploy-3', 780_000],
    [3, 'deploy-4', 1_380_000],
  ]);
});

test('recent real durations replace the expected ones: their median (odd count)', () => {
  const current = holder('deploy-1', 10_000, { expectedDurationMs: 5_000_000 });
  const waiting = [request('deploy-2', { expectedDurationMs: 9_000_000 }), request('deploy-3')];
  const view = queueView('production', current, waiting, [500_000, 100_000, 200_000], 130_000);
  expect(view.waiting.map((entry) => entry.etaMs)).toEqual([80_000, 280_000]);
});

test('the median of an even count of durations is the mean of the middle two', () => {
  const waiting = [request('a'), request('b'), request('c')];
  const view = queueView('staging', undefined, waiting, [400_000, 100_000, 900_000, 200_000], 0);
  expect(view.waiting.map((entry) => entry.etaMs)).toEqual([0, 300_000, 600_000]);
});

test('a holder running past its typical duration gives the first waiting an ETA of 0, not less', () => {
  const current = holder('deploy-1', 0, { expectedDurationMs: 60_000 });
  const view = queueView(
    'production',
    current,
    [request('deploy-2', { expectedDurationMs: 30_000 }), request('x')],
    [],
    90_000,
  );
  expect(view.holder?.runningMs).toBe(90_000);
  expect(view.waiting.map((entry) => entry.etaMs)).toEqual([0, 30_000]);
});

test('a waiting entry shows who and where, not the request internals', () => {
  const view = queueView('production', undefined, [high('deploy-9')], [], 5_000);
  expect(view.waiting).toStrictEqual([
    {
      position: 1,
      workflowId: 'deploy/production/deploy-9',
      correlationId: 'deploy-9',
      stackName: 'Api',
      priority: 'high',
      requestedAt: 1_000,
      etaMs: 0,
    },
  ]);
});

test('a new run of a waiting deployment takes over its place as it was given, priority included', () => {
  // Found by the queue properties: a new run asking with another priority kept the place but not its priority, so
  // a later high request queued behind it, among the normal ones.
  const first = admit(undefined, [], request('d1', { runId: 'a' }), 'queue');
  const reset = admit(
    undefined,
    first.kind === 'queued' ? first.waiting : [],
    request('d1', { runId: 'b', priority: 'high' }),
    'queue',
  );
  expect(reset.kind).toBe('waiting-already');
  const waiting = reset.kind === 'waiting-already' ? reset.waiting : [];
  expect(waiting[0]).toMatchObject({ correlationId: 'd1', runId: 'b', priority: 'normal' });
  expect(ids(enqueue(waiting, high('d0')))).toEqual(['d0', 'd1']);
});
