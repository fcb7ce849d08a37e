// Delivery figures over a seeded set of deployments, checked against a calculation by hand (below each figure).
import type { HistoryEntry } from '../../src/contract';
import { deliveryStats, spread } from '../../src/domain/delivery-stats';
import { historyEntry } from '../helpers/history-entry';

/** A deployment requested at `at` (ISO, UTC) that waited `queuedS` and ran `tookS` seconds, ending then. */
function entry(id: string, at: string, status: string, queuedS: number | null, tookS: number | null, more = {}) {
  const requested = Date.parse(at);
  const ended = requested + ((queuedS ?? 0) + (tookS ?? 0)) * 1000;
  return historyEntry({
    correlationId: id,
    workflowId: `deploy/production/${id}`,
    status,
    workflowStatus: status === 'succeeded' ? 'COMPLETED' : 'FAILED',
    requestedAt: new Date(requested).toISOString(),
    endedAt: new Date(ended).toISOString(),
    queuedMs: queuedS === null ? null : queuedS * 1000,
    durationMs: tookS === null ? null : tookS * 1000,
    ...more,
  });
}

const seeded: HistoryEntry[] = [
  entry('d1', '2026-11-01T10:00:00Z', 'succeeded', 60, 120, { commitTime: '2026-11-01T09:00:00.000Z' }), // 1h 3m
  entry('d2', '2026-11-02T09:00:00Z', 'failed', 0, 300), // ends 09:05:00: the failure run starts
  entry('d3', '2026-11-02T09:30:00Z', 'failed', 30, 60),
  // Ends 10:01:00: restored after 56 min; its commit 1h 31m before.
  entry('d4', '2026-11-02T10:00:00Z', 'succeeded', 10, 50, { commitTime: '2026-11-02T08:30:00.000Z' }),
  entry('d5', '2026-11-03T12:00:00Z', 'cancelled', null, null), // withdrawn while waiting: not a change
  entry('d6', '2026-11-05T08:00:00Z', 'succeeded', 20, 40, { rollbackOf: 'd1' }),
  entry('d7', '2026-11-06T08:00:00Z', 'revoked', 5, 600), // ends 08:10:05
  entry('d8', '2026-11-06T09:00:00Z', 'succeeded', 0, 100), // ends 09:01:40: restored after 51 min 35 s
  // Ends 10:00:32, nothing after it; a failure has no lead time.
  entry('d9', '2026-11-09T10:00:00Z', 'failed', 2, 30, { commitTime: '2026-11-09T09:00:00.000Z' }),
  entry('d10', '2026-10-31T10:00:00Z', 'succeeded', 0, 10), // before the window
  { ...entry('d11', '2026-11-10T10:00:00Z', 'deploying', 1, null), workflowStatus: 'RUNNING', endedAt: null },
];
const window = { since: Date.parse('2026-11-01T00:00:00Z'), until: Date.parse('2026-11-11T00:00:00Z') };

test('a seeded set gives the figures calculated by hand', () => {
  expect(deliveryStats('production', seeded, window)).toEqual({
    environment: 'production',
    since: '2026-11-01T00:00:00.000Z',
    until: '2026-11-11T00:00:00.000Z',
    days: 10,
    // d1-d9 and d11; d10 is before the window.
    requested: 10,
    // d1, d2, d3, d4, d6, d7, d8, d9: those that took their turn and ended.
    deployed: 8,
    deploymentsPerDay: 0.8,
    daily: [
      { day: '2026-11-01', deployed: 1 },
      { day: '2026-11-02', deployed: 3 },
      { day: '2026-11-05', deployed: 1 },
      { day: '2026-11-06', deployed: 2 },
      { day: '2026-11-09', deployed: 1 },
    ],
    // d2, d3, d7, d9 failed or were revoked; d6 rolled back: 5 of 8.
    changeFailures: 5,
    changeFailureRate: 0.625,
    // 51 min 35 s and 56 min: the median by nearest rank is the lower, p90 the higher.
    timeToRestore: { count: 2, medianMs: 3_095_000, p90Ms: 3_360_000 },
    failingSince: '2026-11-09T10:00:32.000Z',
    // Waits 0, 0, 2, 5, 10, 20, 30, 60 s: the 4th and the 8th.
    queueWait: { count: 8, medianMs: 5_000, p90Ms: 60_000 },
    // Runs 30, 40, 50, 60, 100, 120, 300, 600 s.
    duration: { count: 8, medianMs: 60_000, p90Ms: 600_000 },
    // From commit to a successful end: d1 1h 3m, d4 1h 31m.
    leadTime: { count: 2, medianMs: 3_780_000, p90Ms: 5_460_000 },
  });
});

test('an environment with nothing deployed: no rates, no spreads', () => {
  expect(deliveryStats('quiet', [], window)).toMatchObject({
    requested: 0,
    deployed: 0,
    deploymentsPerDay: 0,
    changeFailureRate: null,
    timeToRestore: null,
    failingSince: null,
    queueWait: null,
    duration: null,
    leadTime: null,
  });
});

test('nearest-rank percentiles', () => {
  expect(spread([7])).toEqual({ count: 1, medianMs: 7, p90Ms: 7 });
  expect(spread([5, 1, 3])).toEqual({ count: 3, medianMs: 3, p90Ms: 5 });
  expect(spread(Array.from({ length: 10 }, (_, i) => (i + 1) * 10))).toEqual({ count: 10, medianMs: 50, p90Ms: 90 });
});
