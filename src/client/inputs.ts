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
