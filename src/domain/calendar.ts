// Whether an environment is open at a given time, and when it opens: a pure function of the time and its windows, so
// the lock evaluates it in workflow code (cron and time zones by croner, which reads only the date it is given).
import { Cron } from 'croner';
import type {
  CalendarEntry,
  Closure,
  EnvironmentCalendar,
  ManualFreeze,
  OneOffWindow,
  RecurringWindow,
  TimeWindow,
} from '../contract/calendar';

/** How far ahead the calendar looks for an opening: beyond it, an environment counts as never opening. */
export const HORIZON_MS = 400 * 24 * 3_600_000;
/** Stretches of a recurring window that touch are one stretch; past this many, it never ends by itself. */
const MAX_CHAIN = 1000;

export interface Stretch {
  start: number;
  end: number;
}

export const isOneOff = (window: TimeWindow): window is OneOffWindow => 'from' in window;

// Parsed expressions, shared by every workflow on the worker (workflow modules load once): parsing is pure.
const crons = new Map<string, Cron>();
function cronOf({ cron, timezone }: RecurringWindow): Cron {
  const key = `${timezone} ${cron}`;
  let parsed = crons.get(key);
  if (!parsed) {
    parsed = new Cron(cron, { timezone, paused: true });
    crons.set(key, parsed);
  }
  return parsed;
}

/** Why a cron expression or time zone cannot be used, in the library's words; undefined when both are good. */
export function cronProblem(cron: string, timezone: string): string | undefined {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
  } catch {
    return `"${timezone}" is not a time zone: use an IANA name such as Europe/Berlin or UTC`;
  }
  try {
    const parsed = new Cron(cron, { timezone, paused: true });
    if (!parsed.nextRun(new Date(0))) return `"${cron}" never fires`;
  } catch (err) {
    return `"${cron}" is not a cron expression: ${err instanceof Error ? err.message : String(err)}`;
  }
  return undefined;
}

/** The stretch of `window` that contains `t`, joined with every stretch that overlaps or touches it. */
export function stretchAt(window: TimeWindow, t: number): Stretch | undefined {
  if (isOneOff(window))
    return window.from <= t && t < window.until ? { start: window.from, end: window.until } : undefined;
  const cron = cronOf(window);
  const [last] = cron.previousRuns(1, new Date(t + 1));
  if (!last) return undefined;
  const start = last.getTime();
  let end = start + window.durationMs;
  if (t >= end) return undefined;
  let cursor = start;
  for (let i = 0; i < MAX_CHAIN; i += 1) {
    const next = cron.nextRun(new Date(cursor))?.getTime();
    if (next === undefined || next > end) return { start, end };
    cursor = next;
    end = next + window.durationMs;
  }
  return { start, end: Infinity };
}

/** When `window` next begins after `t`; undefined if never. */
export function nextStart(window: TimeWindow, t: number): number | undefined {
  if (isOneOff(window)) return window.from > t ? window.from : undefined;
  return cronOf(window).nextRun(new Date(t))?.getTime();
}

/** Whether a freeze by hand holds at `t` (set by then, and not yet at its end). */
export const frozenByHandAt = (manual: ManualFreeze | undefined, t: number): manual is ManualFreeze =>
  manual !== undefined && manual.at <= t && (manual.until === undefined || t < manual.until);

/**
 * When the environment is next open at or after `t`: `t` itself when it is open then; undefined when it does not open
 * before a person lifts a freeze, or within the horizon.
 */
export function opensAt(calendar: EnvironmentCalendar | undefined, manual: ManualFreeze | undefined, t: number) {
  const freeze = calendar?.freeze ?? [];
  const allow = calendar?.deployWindows ?? [];
  let at = t;
  while (at <= t + HORIZON_MS) {
    if (frozenByHandAt(manual, at)) {
      if (manual.until === undefined) return undefined;
      at = manual.until;
      continue;
    }
    const frozenUntil = Math.max(...freeze.map((window) => stretchAt(window, at)?.end ?? -Infinity));
    if (frozenUntil > at) {
      at = frozenUntil;
      continue;
    }
    if (allow.length > 0 && !allow.some((window) => stretchAt(window, at))) {
      const starts = allow.map((window) => nextStart(window, at)).filter((start) => start !== undefined);
      if (starts.length === 0) return undefined;
      at = Math.min(...starts);
      continue;
    }
    return at;
  }
  return undefined;
}

/**
 * When an open environment next closes after `t` (a freeze begins, its deploy window ends, a freeze by hand set for
 * later begins); undefined when nothing in its calendar will close it.
 */
export function closesAt(calendar: EnvironmentCalendar | undefined, manual: ManualFreeze | undefined, t: number) {
  const times = (calendar?.freeze ?? []).map((window) => nextStart(window, t));
  const allowEnds = (calendar?.deployWindows ?? []).map((window) => stretchAt(window, t)?.end);
  if (allowEnds.length > 0) times.push(Math.max(...allowEnds.map((end) => end ?? -Infinity)));
  if (manual && manual.at > t) times.push(manual.at);
  const future = times.filter((at): at is number => at !== undefined && Number.isFinite(at) && at > t);
  return future.length > 0 ? Math.min(...future) : undefined;
}

/** Why the environment is closed at `t`, and when it opens; undefined when it is open. */
export function closureAt(
  calendar: EnvironmentCalendar | undefined,
  manual: ManualFreeze | undefined,
  t: number,
): Closure | undefined {
  const opens = opensAt(calendar, manual, t);
  if (opens === t) return undefined;
  const when = opens === undefined ? {} : { opensAt: opens };
  if (frozenByHandAt(manual, t)) {
    return { kind: 'frozen-by-hand', reason: manual.reason, ...(manual.by ? { by: manual.by } : {}), ...when };
  }
  const window = calendar?.freeze.find((candidate) => stretchAt(candidate, t));
  if (window) return { kind: 'freeze-window', reason: window.reason ?? 'a freeze window', ...when };
  return { kind: 'outside-deploy-windows', reason: 'outside its deploy windows', ...when };
}

/** Every stretch of the calendar's windows that overlaps [from, to), in time order. */
export function stretchesBetween(calendar: EnvironmentCalendar | undefined, from: number, to: number): CalendarEntry[] {
  const entries: CalendarEntry[] = [];
  const list = (windows: TimeWindow[], kind: CalendarEntry['kind']) => {
    for (const window of windows) {
      const about = {
        kind,
        ...(window.reason ? { reason: window.reason } : {}),
        ...(isOneOff(window) ? {} : { timezone: window.timezone }),
      };
      let stretch = stretchAt(window, from);
      let cursor = from;
      for (let i = 0; i < MAX_CHAIN; i += 1) {
        if (stretch) {
          entries.push({ ...about, ...stretch });
          if (stretch.end >= to) break;
          cursor = stretch.end;
        }
        const start = nextStart(window, cursor);
        if (start === undefined || start >= to) break;
        stretch = stretchAt(window, start);
        cursor = start;
      }
    }
  };
  list(calendar?.freeze ?? [], 'freeze');
  list(calendar?.deployWindows ?? [], 'deploy-window');
  return entries.sort((a, b) => a.start - b.start);
}
