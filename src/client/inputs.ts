// Validation of what people type: each failure names the value and why, and ends deployctl with 64.
// (What needs the config or the file system is in deploy-inputs.ts: only deploy loads it.)
import { parseDuration } from '../domain/durations';
import { type NameKind, nameProblem, quoted } from '../contract/names';
import { usageError } from './exit-codes';

export function checkName(kind: NameKind, value: string): string {
  const problem = nameProblem(kind, value);
  if (problem !== undefined) throw usageError(problem);
  return value;
}

export function checkDuration(option: string, value: string): number {
  const parsed = parseDuration(value);
  if (parsed === undefined) {
    throw usageError(`invalid ${option} ${quoted(value)}: use a number and a unit, e.g. 30s, 10m, 1h`);
  }
  return parsed;
}

export function checkReason(value: string | undefined, option = '--reason'): string {
  if (value === undefined || value.trim() === '') throw usageError(`${option} must not be empty`);
  return value.trim();
}

/** An ISO 8601 time with its offset: the same instant wherever deployctl runs. */
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const LATEST_AHEAD_MS = 366 * 86_400_000;

/** A time that has passed (a commit's): an ISO 8601 time with its offset, at most 10 minutes ahead (clock skew). */
export function checkTimePassed(option: string, value: string, now = Date.now()): string {
  const at = ISO_WITH_OFFSET.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(at)) {
    throw usageError(`invalid ${option} ${quoted(value)}: use an ISO 8601 time with its offset (2026-12-04T09:00:00Z)`);
  }
  if (at > now + 600_000) throw usageError(`invalid ${option} ${quoted(value)}: that time is ahead`);
  return new Date(at).toISOString();
}

/**
 * A time ahead: an ISO 8601 time with its offset (2026-12-24T09:00:00+01:00), or a duration from now (20s, 2h).
 * Past times and times more than a year ahead are refused.
 */
export function checkTimeAhead(option: string, value: string, now = Date.now()): number {
  const fromNow = parseDuration(value);
  const at = fromNow !== undefined ? now + fromNow : ISO_WITH_OFFSET.test(value) ? Date.parse(value) : NaN;
  if (!Number.isFinite(at)) {
    throw usageError(
      `invalid ${option} ${quoted(value)}: use an ISO 8601 time with its offset (2026-12-24T09:00:00+01:00) ` +
        'or a duration from now (20s, 2h)',
    );
  }
  if (at <= now) throw usageError(`invalid ${option} ${quoted(value)}: that time has passed`);
  if (at > now + LATEST_AHEAD_MS) throw usageError(`invalid ${option} ${quoted(value)}: more than a year ahead`);
  return at;
}
