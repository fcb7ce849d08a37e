// The deployment metrics, emitted through the workflow metric meter: the worker's Prometheus endpoint serves them
// beside the SDK's own (DEPLOY_METRICS_ADDRESS). The SDK drops them while a workflow replays, so each is counted once.
import { metricMeter } from '@temporalio/workflow';
import { type DeploymentResult, METRIC } from '../contract';

/** A finished deployment: counted by environment and status; its queue wait and deploy duration, when it had them. */
export function recordFinished(result: DeploymentResult): void {
  const tags = { environment: result.environment };
  metricMeter
    .createCounter(METRIC.finished, '1', 'Deployments that ended, by environment and status')
    .add(1, { ...tags, status: result.status });
  if (result.queuedMs !== null) {
    metricMeter
      .createHistogram(METRIC.queueWait, 'float', 's', 'How long deployments waited for their environment')
      .record(result.queuedMs / 1000, tags);
  }
  if (result.durationMs !== null) {
    metricMeter
      .createHistogram(METRIC.duration, 'float', 's', 'How long deployments held their environment')
      .record(result.durationMs / 1000, tags);
  }
}

export function recordStall(environment: string): void {
  metricMeter.createCounter(METRIC.stalls, '1', 'Stack updates that went quiet past the stall threshold').add(1, {
    environment,
  });
}

export function recordUndelivered(environment: string, count: number): void {
  if (count <= 0) return;
  metricMeter
    .createCounter(METRIC.undelivered, '1', 'Notifications that could not be delivered (Slack down or refusing)')
    .add(count, { environment });
}

/**
 * Whether the environment may change now (1) or is closed by a freeze or outside its deploy windows (0). Set whenever
 * its lock runs, and the lock runs at each opening and closing of an environment that has windows or a freeze.
 */
export function recordOpen(environment: string, open: boolean): void {
  metricMeter
    .createGauge(METRIC.environmentOpen, 'int', '1', 'Whether the environment may change now (1) or is closed (0)')
    .set(open ? 1 : 0, { environment });
}

/** A freeze set or lifted by hand. */
export function recordFreezeChange(environment: string, change: 'freeze' | 'unfreeze'): void {
  metricMeter
    .createCounter(METRIC.freezeChanges, '1', 'Freezes set or lifted by hand (deployctl freeze, unfreeze)')
    .add(1, { environment, change });
}

/**
 * An environment's queue as its lock holds it: how many wait, and since when the holder holds the turn (Unix seconds,
 * 0 when free). A time, not an age: the lock sets its gauges only when it runs, and a time stays true between runs
 * (the age is `time() - deployment_lock_held_since_seconds`).
 */
export function recordQueue(environment: string, waiting: number, heldSinceMs: number | undefined): void {
  const tags = { environment };
  metricMeter.createGauge(METRIC.queueDepth, 'int', '1', 'Deployments waiting for the environment').set(waiting, tags);
  metricMeter
    .createGauge(METRIC.heldSince, 'float', 's', 'When the current holder was granted the environment (0: free)')
    .set(heldSinceMs === undefined ? 0 : heldSinceMs / 1000, tags);
}

/** A request refused for its identity or the environment's access rules, by the check it failed. */
export function recordAccessRefused(environment: string, check: string): void {
  metricMeter
    .createCounter(METRIC.accessRefusals, '1', 'Requests refused for their ID token or access rules, by check')
    .add(1, { environment, check });
}

/** An operator's message refused by the environment's operator rules, by action and check. */
export function recordOperatorRefused(environment: string, action: string, check: string): void {
  metricMeter
    .createCounter(METRIC.operatorRefusals, '1', 'Operator messages refused by the operator rules, by action and check')
    .add(1, { environment, action, check });
}

/** A rollback (deployctl rollback) that ended, by environment and status. */
export function recordRollback(result: DeploymentResult): void {
  metricMeter
    .createCounter(METRIC.rollbacks, '1', 'Rollbacks (deployctl rollback) that ended, by environment and status')
    .add(1, { environment: result.environment, status: result.status });
}
