// When an environment is open: cron windows in their time zones, one-off windows, deploy windows and freezes by hand.
import { closureAt, opensAt, stretchAt, stretchesBetween } from '../../src/domain/calendar';
import type { EnvironmentCalendar } from '../../src/contract/calendar';

const at = (iso: string) => Date.parse(iso);
const HOUR = 3_600_000;

// Friday 18:00 to Monday 09:00, Berlin time (CET in December: UTC+1).
const weekend: EnvironmentCalendar = {
  freeze: [{ cron: '0 18 * * 5', durationMs: 63 * HOUR, timezone: 'Europe/Berlin', reason: 'weekend freeze' }],
  deployWindows: [],
};

test('a recurring freeze is read in its time zone, and the environment opens when it ends', () => {
  // Friday 16:59 UTC is 17:59 in Berlin: still open.
  expect(closureAt(weekend, undefined, at('2026-12-04T16:59:00Z'))).toBeUndefined();
  const closure = closureAt(weekend, undefined, at('2026-12-04T17:00:00Z'));
  expect(closure).toEqual({ kind: 'freeze-window', reason: 'weekend freeze', opensAt: at('2026-12-07T08:00:00Z') });
  expect(opensAt(weekend, undefined, at('2026-12-06T12:00:00Z'))).toBe(at('2026-12-07T08:00:00Z'));
  expect(closureAt(weekend, undefined, at('2026-12-07T08:00:00Z'))).toBeUndefined();
});

test('deploy windows: closed outside them, with the next opening; a freeze inside one moves it', () => {
  const weekdays: EnvironmentCalendar = {
    freeze: [{ from: at('2026-12-07T08:00:00Z'), until: at('2026-12-07T10:00:00Z'), reason: 'release review' }],
    deployWindows: [{ cron: '0 9 * * 1-4', durationMs: 7 * HOUR, timezone: 'Europe/Berlin' }],
  };
  // Friday afternoon: the next window is Monday 09:00 Berlin, but the review freezes it until 10:00 UTC.
  const friday = closureAt(weekdays, undefined, at('2026-12-04T15:00:00Z'));
  expect(friday).toMatchObject({ kind: 'outside-deploy-windows', opensAt: at('2026-12-07T10:00:00Z') });
  expect(closureAt(weekdays, undefined, at('2026-12-07T09:30:00Z'))?.kind).toBe('freeze-window');
  expect(closureAt(weekdays, undefined, at('2026-12-07T11:00:00Z'))).toBeUndefined();
  // 16:00 Berlin ends Monday's window.
  expect(closureAt(weekdays, undefined, at('2026-12-07T15:00:00Z'))?.opensAt).toBe(at('2026-12-08T08:00:00Z'));
});

test('a freeze by hand: until lifted it never opens by itself; with an end, it opens then (windows permitting)', () => {
  const now = at('2026-12-02T12:00:00Z');
  const byHand = { reason: 'incident 42', by: 'ana', at: now };
  expect(closureAt(undefined, byHand, now)).toEqual({ kind: 'frozen-by-hand', reason: 'incident 42', by: 'ana' });
  const ends = { ...byHand, until: at('2026-12-04T17:30:00Z') };
  // It ends inside the weekend freeze: the environment opens on Monday.
  expect(closureAt(weekend, ends, now)?.opensAt).toBe(at('2026-12-07T08:00:00Z'));
  expect(closureAt(undefined, ends, at('2026-12-04T17:30:00Z'))).toBeUndefined();
});

test('stretches that overlap or touch are one stretch; one that never ends never opens', () => {
  const everyMinute = { cron: '* * * * *', durationMs: 90_000, timezone: 'UTC', reason: 'always' };
  expect(stretchAt(everyMinute, at('2026-12-04T10:00:30Z'))?.end).toBe(Infinity);
  expect(opensAt({ freeze: [everyMinute], deployWindows: [] }, undefined, 0)).toBeUndefined();
  const twentySeconds = { cron: '* * * * *', durationMs: 20_000, timezone: 'Asia/Kolkata', reason: 'short' };
  expect(stretchAt(twentySeconds, at('2026-12-04T10:00:10Z'))).toEqual({
    start: at('2026-12-04T10:00:00Z'),
    end: at('2026-12-04T10:00:20Z'),
  });
  expect(stretchAt(twentySeconds, at('2026-12-04T10:00:20Z'))).toBeUndefined();
});

test('the windows ahead, in time order, for deployctl freezes', () => {
  const from = at('2026-12-03T00:00:00Z');
  const entries = stretchesBetween(weekend, from, from + 14 * 24 * HOUR);
  expect(entries.map((entry) => new Date(entry.start).toISOString())).toEqual([
    '2026-12-04T17:00:00.000Z',
    '2026-12-11T17:00:00.000Z',
  ]);
  expect(entries[0]).toMatchObject({ kind: 'freeze', reason: 'weekend freeze', timezone: 'Europe/Berlin' });
});
