// Signals, queries, search attributes and the shapes they carry: shared by workflows, activities and the CLI.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { StackProgress } from '../cloudformation/stack-status';
import type { EnvironmentSettings, QueueMode } from '../settings';

export type Priority = 'normal' | 'high';

export type DeploymentStatus =
  'pending' | 'queued' | 'deploying' | 'succeeded' | 'failed' | 'cancelled' | 'superseded' | 'revoked' | 'timed-out';

export const FINAL_STATUSES: readonly DeploymentStatus[] = [
  'succeeded',
  'failed',
  'cancelled',
  'superseded',
  'revoked',
  'timed-out',
];

export interface DeploymentInput {
  environment: string;
  correlationId: string;
  /** Overrides the environment's configured stack. */
  stackName?: string;
  ref?: string;
  priority: Priority;
  /** Overrides the environment's lock wait timeout. */
  waitTimeoutMs?: number;
  /** Link to the CI run that asked for this deployment. */
  ciRunUrl?: string;
  /** cdk environments: the cloud assembly CI synthesized (a directory the worker reads, or an S3 prefix). */
  assembly?: string;
}

export interface DeploymentState {
  workflowId: string;
  environment: string;
  correlationId: string;
  stackName?: string;
  ref?: string;
  priority: Priority;
  status: DeploymentStatus;
  /** Epoch milliseconds (workflow time). */
  requestedAt: number;
  queuedAt?: number;
  startedAt?: number;
  finishedAt?: number;
  leaseId?: string;
  error?: string;
  /** Why it was cancelled, revoked or superseded. */
  reason?: string;
  settings?: EnvironmentSettings;
  ciRunUrl?: string;
  /** The stack as watched during this deployment (environments with a cloudformation block). */
  stack?: StackProgress;
  assembly?: string;
  /** The change set a cdk deployment prepared (named after the correlation ID). */
  changeSet?: string;
  /** Succeeded without changing anything: the stack already matched. */
  noChanges?: boolean;
  /** The stack's outputs after a successful deployment. */
  outputs?: Record<string, string>;
  /** Notifications that could not be delivered (Slack down, rate limited, misconfigured). */
  notificationsFailed: number;
  /** The deploy step ran to its end (it may have done so just as the deployment was revoked or cancelled). */
  stepCompleted?: boolean;
}

/** Something worth telling people about a deployment; the notifier turns it into Slack messages or log lines. */
export type NoticeKind = 'queued' | 'started' | 'progress' | 'stalled' | 'finished' | 'stale-recovered';

export interface DeploymentNotice {
  kind: NoticeKind;
  deployment: Omit<DeploymentState, 'settings' | 'notificationsFailed' | 'stack'>;
  /** A line of detail: a stack event, a stall, the lock's recovery. */
  detail?: string;
}

/** Where a deployment's one top-level Slack message is, once posted. */
export interface SlackMessageRef {
  channel: string;
  ts: string;
}

export interface DeploymentResult {
  correlationId: string;
  workflowId: string;
  environment: string;
  stackName: string | null;
  status: DeploymentStatus;
  queuedMs: number | null;
  durationMs: number | null;
  error: string | null;
  /** Present (true) when a deployment succeeded without changing the stack. */
  noChanges?: boolean;
  /** The stack's outputs after a successful deployment, when it has any. */
  outputs?: Record<string, string>;
  /** Revoked deployments: whether the deploy step had run to its end before it could be stopped. */
  stepCompleted?: boolean;
}

/** A deployment's request for its environment's turn. */
export interface TurnRequest {
  workflowId: string;
  correlationId: string;
  stackName: string;
  priority: Priority;
  requestedAt: number;
  queueMode: QueueMode;
  livenessCheckIntervalMs: number;
  expectedDurationMs: number;
  /**
   * How long the lock waits, once it has revoked this deployment, for it to stop its deploy step and give the turn
   * back before passing the turn on anyway (absent in requests recorded before revoking waited).
   */
  revokeWaitMs?: number;
}

export interface Holder extends TurnRequest {
  leaseId: string;
  grantedAt: number;
  /** Force-released: the holder is stopping and keeps the turn until it gives it back or its wait runs out. */
  revoked?: { reason: string; at: number };
}

export interface QueueEntryView {
  position: number;
  workflowId: string;
  correlationId: string;
  stackName: string;
  priority: Priority;
  requestedAt: number;
  /** Estimated milliseconds until this entry gets the turn. */
  etaMs: number;
}

export interface QueueView {
  environment: string;
  holder: (Holder & { runningMs: number }) | null;
  waiting: QueueEntryView[];
}

// deployment → lock
export const requestTurnSignal = defineSignal<[TurnRequest]>('request');
/** workflowId: where the lock sends its acknowledgement (absent in releases recorded before it did). */
export const releaseTurnSignal =
  defineSignal<[{ leaseId: string; durationMs: number; workflowId?: string }]>('release');
export const withdrawSignal = defineSignal<[{ workflowId: string }]>('withdraw');
// operator → lock
export const forceReleaseSignal = defineSignal<[{ reason: string }]>('forceRelease');
// lock → deployment
export const grantedSignal = defineSignal<[{ leaseId: string }]>('granted');
export const revokedSignal = defineSignal<[{ leaseId: string; reason: string }]>('revoked');
export const supersededSignal = defineSignal<[{ byWorkflowId: string }]>('superseded');
/** The lock has taken the release; `revokedReason` when it had revoked the lease first (the two crossed). */
export const releaseAcknowledgedSignal =
  defineSignal<[{ leaseId: string; revokedReason?: string }]>('releaseAcknowledged');
// operator → deployment (the Web UI's cancel works too; this one carries a reason)
export const cancelDeploymentSignal = defineSignal<[{ reason: string }]>('cancel');

export const queueQuery = defineQuery<QueueView>('queue');
export const stateQuery = defineQuery<DeploymentState>('state');

export const DEPLOYMENT_ENVIRONMENT = defineSearchAttributeKey('DeploymentEnvironment', SearchAttributeType.KEYWORD);
export const STACK_NAME = defineSearchAttributeKey('StackName', SearchAttributeType.KEYWORD);
export const CORRELATION_ID = defineSearchAttributeKey('CorrelationId', SearchAttributeType.KEYWORD);
export const DEPLOYMENT_STATUS = defineSearchAttributeKey('DeploymentStatus', SearchAttributeType.KEYWORD);
export const SEARCH_ATTRIBUTES = [DEPLOYMENT_ENVIRONMENT, STACK_NAME, CORRELATION_ID, DEPLOYMENT_STATUS] as const;
