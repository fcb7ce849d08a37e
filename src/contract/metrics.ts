// The deployment metrics' names: workflows emit them (workflows/metrics.ts), the worker's exporter sizes their
// buckets, docs/operating.md and the Grafana dashboard read them.

/** Metric names, as Prometheus shows them (the exporter's `temporal_` prefix is for the SDK's own). */
export const METRIC = {
  finished: 'deployments_finished',
  queueWait: 'deployment_queue_wait_seconds',
  duration: 'deployment_duration_seconds',
  stalls: 'deployment_stalls',
  undelivered: 'deployment_notifications_undelivered',
  queueDepth: 'deployment_queue_depth',
  heldSince: 'deployment_lock_held_since_seconds',
  environmentOpen: 'deployment_environment_open',
  freezeChanges: 'deployment_freeze_changes',
  rollbacks: 'deployment_rollbacks',
  accessRefusals: 'deployment_access_refusals',
  operatorRefusals: 'deployment_operator_refusals',
} as const;
