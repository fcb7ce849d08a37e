// The deployment metrics: what each is, in one place. Workflows emit them (workflows/metrics.ts) through a sink the
// worker serves them from (worker/metric-sink.ts); the exporter sizes their buckets; docs/operating.md, the alerts
// and the Grafana dashboard read them.
import type { Sink, Sinks } from '@temporalio/workflow';

/** One deployment metric as Prometheus shows it: counters are served with `_total` after the name given here. */
export interface MetricSpec {
  name: string;
  kind: 'counter' | 'histogram' | 'gauge';
  /** A gauge's or histogram's values: whole numbers or not. */
  valueType?: 'int' | 'float';
  unit?: string;
  help: string;
}

export const METRICS = {
  finished: {
    name: 'deployments_finished',
    kind: 'counter',
    help: 'Deployments that ended, by environment and status',
  },
  queueWait: {
    name: 'deployment_queue_wait_seconds',
    kind: 'histogram',
    unit: 's',
    help: 'How long deployments waited for their environment',
  },
  duration: {
    name: 'deployment_duration_seconds',
    kind: 'histogram',
    unit: 's',
    help: 'How long deployments held their environment',
  },
  stalls: {
    name: 'deployment_stalls',
    kind: 'counter',
    help: 'Stack updates that went quiet past the stall threshold',
  },
  undelivered: {
    name: 'deployment_notifications_undelivered',
    kind: 'counter',
    help: 'Notifications that could not be delivered (Slack down or refusing)',
  },
  queueDepth: {
    name: 'deployment_queue_depth',
    kind: 'gauge',
    valueType: 'int',
    help: 'Deployments waiting for the environment',
  },
  heldSince: {
    name: 'deployment_lock_held_since_seconds',
    kind: 'gauge',
    unit: 's',
    help: 'When the current holder was granted the environment (0: free)',
  },
  environmentOpen: {
    name: 'deployment_environment_open',
    kind: 'gauge',
    valueType: 'int',
    help: 'Whether the environment may change now (1) or is closed (0)',
  },
  freezeChanges: {
    name: 'deployment_freeze_changes',
    kind: 'counter',
    help: 'Freezes set or lifted by hand (deployctl freeze, unfreeze)',
  },
  bakeAlarms: {
    name: 'deployment_bake_alarms',
    kind: 'counter',
    help: 'Bakes that an alarm ended (the deployment failed, the environment frozen), by environment and alarm',
  },
  rollbacks: {
    name: 'deployment_rollbacks',
    kind: 'counter',
    help: 'Rollbacks (deployctl rollback) that ended, by environment and status',
  },
  accessRefusals: {
    name: 'deployment_access_refusals',
    kind: 'counter',
    help: 'Requests refused for their ID token or access rules, by check',
  },
  operatorRefusals: {
    name: 'deployment_operator_refusals',
    kind: 'counter',
    help: 'Operator messages refused by the operator rules, by action and check',
  },
} as const satisfies Record<string, MetricSpec>;

export type MetricKey = keyof typeof METRICS;

/** The name a metric is served under: a counter's with `_total`, as Prometheus's conventions ask. */
export function servedName(spec: MetricSpec): string {
  return spec.kind === 'counter' ? `${spec.name}_total` : spec.name;
}

/** The sink workflows emit metrics through; it is not called while a workflow replays, so each is counted once. */
export interface MetricSinks extends Sinks {
  deploymentMetrics: Sink & {
    /** Adds to a counter, records into a histogram or sets a gauge, as `metric` is. */
    observe(metric: MetricKey, value: number, labels: Record<string, string>): void;
  };
}
