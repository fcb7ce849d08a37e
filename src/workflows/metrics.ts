// The deployment metrics (contract/metrics.ts), emitted through the worker's metric sink: its Prometheus endpoint
// serves them beside the SDK's own (DEPLOY_METRICS_ADDRESS). The sink is not called while a workflow replays, so each
// is counted once.
import { proxySinks } from '@temporalio/workflow';
import type { DeploymentResult, MetricSinks } from '../contract';

const { deploymentMetrics } = proxySinks<MetricSinks>();

/** A finished deployment: counted by environment and status; its queue wait and deploy duration, when it had them. */
export function recordFinished(result: DeploymentResult): void {
  const labels = { environment: result.environment };
  deploymentMetrics.observe('finished', 1, { ...labels, status: result.status });
  if (result.queuedMs !== null) deploymentMetrics.observe('queueWait', result.queuedMs / 1000, labels);
  if (result.durationMs !== null) deploymentMetrics.observe('duration', result.durationMs / 1000, labels);
}

export function recordStall(environment: string): void {
  deploymentMetrics.observe('stalls', 1, { environment });
}

export function recordUndelivered(environment: string, count: number): void {
  if (count > 0) deploymentMetrics.observe('undelivered', count, { environment });
}

/**
 * Whether the environment may change now (1) or is closed by a freeze or outside its deploy windows (0). Set whenever
 * its lock runs, and the lock runs at each opening and closing of an environment that has windows or a freeze.
 */
export function recordOpen(environment: string, open: boolean): void {
  deploymentMetrics.observe('environmentOpen', open ? 1 : 0, { environment });
}

/** A freeze set or lifted by hand. */
export function recordFreezeChange(environment: string, change: 'freeze' | 'unfreeze'): void {
  deploymentMetrics.observe('freezeChanges', 1, { environment, change });
}

/**
 * An environment's queue as its lock holds it: how many wait, and since when the holder holds the turn (Unix seconds,
 * 0 when free). A time, not an age: the lock sets its gauges only when it runs, and a time stays true between runs
 * (the age is `time() - deployment_lock_held_since_seconds`).
 */
export function recordQueue(environment: string, waiting: number, heldSinceMs: number | undefined): void {
  deploymentMetrics.observe('queueDepth', waiting, { environment });
  deploymentMetrics.observe('heldSince', heldSinceMs === undefined ? 0 : heldSinceMs / 1000, { environment });
}

/** A request refused for its identity or the environment's access rules, by the check it failed. */
export function recordAccessRefused(environment: string, check: string): void {
  deploymentMetrics.observe('accessRefusals', 1, { environment, check });
}

/** An operator's message refused by the environment's operator rules, by action and check. */
export function recordOperatorRefused(environment: string, action: string, check: string): void {
  deploymentMetrics.observe('operatorRefusals', 1, { environment, action, check });
}

/** A rollback (deployctl rollback) that ended, by environment and status. */
export function recordBakeAlarm(environment: string, alarm: string): void {
  deploymentMetrics.observe('bakeAlarms', 1, { environment, alarm });
}

export function recordRollback(result: DeploymentResult): void {
  deploymentMetrics.observe('rollbacks', 1, { environment: result.environment, status: result.status });
}
