// How a deployment's outcome is said, in deployctl's last line, in Slack and in the worker log: one wording.
import type { DeploymentStatus } from '../contract';
import { formatDuration } from './durations';

export interface Outcome {
  status: DeploymentStatus;
  durationMs: number | null;
  /** The error, or why it was cancelled, revoked or superseded. */
  why: string | null;
  noChanges?: boolean;
  outputs?: Record<string, string>;
}

/** "succeeded in 2m 5s (no changes: the stack already matched)", "failed in 12s: <error>"; `label` replaces the status. */
export function outcomeLine(outcome: Outcome, label: string = outcome.status): string {
  const took = outcome.durationMs === null ? '' : ` in ${formatDuration(outcome.durationMs)}`;
  const why = outcome.why ? `: ${outcome.why}` : outcome.noChanges ? ' (no changes: the stack already matched)' : '';
  return `${label}${took}${why}`;
}

/** The stack's outputs, one "key = value" per line. */
export function outputLines(outputs: Record<string, string> | undefined): string[] {
  return Object.entries(outputs ?? {}).map(([key, value]) => `${key} = ${value}`);
}
