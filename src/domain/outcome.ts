// How a deployment's outcome is said, in deployctl's last line, in Slack and in the worker log: one wording.
import type { DeploymentStatus } from '../contract';
import { formatDuration } from './durations';

export interface Outcome {
  status: DeploymentStatus;
  durationMs: number | null;
  /** The error, or why it was cancelled, revoked or superseded. */
  why: string | null;
  /** Who cancelled or force-released it. */
  stoppedBy?: string;
  noChanges?: boolean;
  outputs?: Record<string, string>;
}

/**
 * "succeeded in 2m 5s (no changes: the stack already matched)", "failed in 12s: <error>", "cancelled by ana in 3s:
 * <reason>"; `label` replaces the status.
 */
export function outcomeLine(outcome: Outcome, label: string = outcome.status): string {
  const by = outcome.stoppedBy === undefined ? '' : ` by ${outcome.stoppedBy}`;
  const took = outcome.durationMs === null ? '' : ` in ${formatDuration(outcome.durationMs)}`;
  const why = outcome.why ? `: ${outcome.why}` : outcome.noChanges ? ' (no changes: the stack already matched)' : '';
  return `${label}${by}${took}${why}`;
}

/** The stack's outputs, one "key = value" per line. */
export function outputLines(outputs: Record<string, string> | undefined): string[] {
  return Object.entries(outputs ?? {}).map(([key, value]) => `${key} = ${value}`);
}
