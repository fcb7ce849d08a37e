// An environment's deployments as visibility recorded them (search attributes and memo): what promotion checks, and
// what deployctl promote and rollback pick from. It answers for deployments long closed, without a worker.
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import {
  CORRELATION_ID,
  DEPLOYMENT_ENVIRONMENT,
  DEPLOYMENT_REF,
  DEPLOYMENT_STATUS,
  type DeploymentMemo,
  type HistoryEntry,
  REQUESTED_BY,
} from '../contract';
import { ENVIRONMENT_NAME_PATTERN } from '../contract/names';
import type { UpstreamDeployment } from '../domain/promotion';

/** One deployment as visibility has it. */
export interface RecordedDeployment extends UpstreamDeployment {
  workflowId: string;
  runId: string;
  memo: DeploymentMemo;
}

/** Which deployments to list: an environment's, of one ref, in one status. */
export interface DeploymentFilter {
  environment: string;
  ref?: string;
  status?: string;
}

/** A visibility string literal; the values reaching here are checked names, and quotes are refused, not escaped. */
function literal(value: string): string {
  if (/['"\\]/.test(value)) throw new Error(`cannot look up ${JSON.stringify(value)}: it has quotes or backslashes`);
  return `'${value}'`;
}

export function deploymentQuery({ environment, ref, status }: DeploymentFilter): string {
  if (!ENVIRONMENT_NAME_PATTERN.test(environment))
    throw new Error(`invalid environment ${JSON.stringify(environment)}`);
  return [
    `WorkflowType = 'deployment'`,
    `${DEPLOYMENT_ENVIRONMENT.name} = ${literal(environment)}`,
    ...(ref === undefined ? [] : [`${DEPLOYMENT_REF.name} = ${literal(ref)}`]),
    ...(status === undefined ? [] : [`${DEPLOYMENT_STATUS.name} = ${literal(status)}`]),
  ].join(' AND ');
}

export function recordedDeployment(environment: string, execution: WorkflowExecutionInfo): RecordedDeployment {
  const memo = (execution.memo ?? {}) as DeploymentMemo;
  const attributes = execution.typedSearchAttributes;
  const ref = attributes.get(DEPLOYMENT_REF) ?? memo.ref;
  return {
    environment,
    workflowId: execution.workflowId,
    runId: execution.runId,
    correlationId: attributes.get(CORRELATION_ID) ?? execution.workflowId.split('/').slice(2).join('/'),
    ...(ref === undefined ? {} : { ref }),
    // A workflow ended from outside (terminated) has no result: its status says so.
    status:
      execution.status.name === 'TERMINATED' || execution.status.name === 'TIMED_OUT'
        ? execution.status.name.toLowerCase()
        : (memo.result?.status ?? attributes.get(DEPLOYMENT_STATUS) ?? 'pending'),
    requestedAt: execution.startTime.getTime(),
    ...(execution.closeTime ? { closedAt: execution.closeTime.getTime() } : {}),
    memo,
  };
}

/** The deployments that match, newest request first, at most `limit`. */
export async function listDeployments(
  client: Client,
  filter: DeploymentFilter,
  limit = 100,
): Promise<RecordedDeployment[]> {
  const found: RecordedDeployment[] = [];
  const query = deploymentQuery(filter);
  for await (const execution of client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
    found.push(recordedDeployment(filter.environment, execution));
    if (found.length >= limit) break;
  }
  return found.sort((a, b) => b.requestedAt - a.requestedAt);
}

/** The newest deployment that succeeded in `environment` (of `ref`, when given). */
export async function lastSucceeded(
  client: Client,
  environment: string,
  ref?: string,
): Promise<RecordedDeployment | undefined> {
  const succeeded = await listDeployments(client, { environment, status: 'succeeded', ...(ref ? { ref } : {}) }, 50);
  return succeeded.sort((a, b) => (b.closedAt ?? 0) - (a.closedAt ?? 0))[0];
}

/** One deployment as history and stats show it, from visibility alone. */
export function historyEntry(execution: WorkflowExecutionInfo): HistoryEntry {
  const memo = (execution.memo ?? {}) as DeploymentMemo;
  const result = memo.result;
  const attributes = execution.typedSearchAttributes;
  const workflowStatus = execution.status.name;
  const endedFromOutside = workflowStatus === 'TERMINATED' || workflowStatus === 'TIMED_OUT';
  return {
    correlationId: attributes.get(CORRELATION_ID) ?? execution.workflowId.split('/').slice(2).join('/'),
    workflowId: execution.workflowId,
    status: endedFromOutside
      ? workflowStatus.toLowerCase()
      : (result?.status ?? attributes.get(DEPLOYMENT_STATUS) ?? workflowStatus.toLowerCase()),
    workflowStatus,
    ref: memo.ref ?? null,
    requestedAt: execution.startTime.toISOString(),
    endedAt: execution.closeTime?.toISOString() ?? null,
    commitTime: memo.commitTime ?? null,
    queuedMs: result?.queuedMs ?? null,
    durationMs: result?.durationMs ?? null,
    requestedBy: attributes.get(REQUESTED_BY) ?? memo.requestedBy ?? null,
    verified: result?.verified ?? null,
    ciRunUrl: memo.ciRunUrl ?? null,
    error: result?.error ?? null,
    errorType: result?.errorType ?? null,
    stoppedBy: result?.stoppedBy ?? null,
    freezeOverride: memo.freezeOverride ?? null,
    promotedFrom: result?.promotedFrom ?? null,
    approvedBy: result?.approvedBy ?? null,
    rollbackOf: memo.rollback?.correlationId ?? null,
  };
}
