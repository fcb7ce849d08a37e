// deployctl history: an environment's recent deployments, from visibility alone (search attributes and memo), so it
// answers without a worker and for deployments long closed.
import type { WorkflowExecutionInfo } from '@temporalio/client';
import {
  CORRELATION_ID,
  DEPLOYMENT_ENVIRONMENT,
  DEPLOYMENT_STATUS,
  DEPLOYMENT_STATUSES,
  type DeploymentMemo,
  type DeploymentStatus,
  type HistoryEntry,
  REQUESTED_BY,
} from '../contract';
import { EXIT, usageError } from '../client/exit-codes';
import { checkName } from '../client/inputs';
import { quoted } from '../contract/names';
import { renderHistory } from './render';
import { connectOrExit } from '../client/connect';

const MAX_LIMIT = 1000;

export async function historyCommand(options: {
  env: string;
  limit: string;
  status?: string;
  json?: boolean;
}): Promise<number> {
  checkName('environment', options.env);
  const limit = checkLimit(options.limit);
  const status = options.status === undefined ? undefined : checkStatus(options.status);
  // (Both values are checked above: no quote can reach the query.)
  const query =
    `WorkflowType = 'deployment' AND ${DEPLOYMENT_ENVIRONMENT.name} = '${options.env}'` +
    (status === undefined ? '' : ` AND ${DEPLOYMENT_STATUS.name} = '${status}'`);
  const { client, close } = await connectOrExit();
  try {
    const entries: HistoryEntry[] = [];
    for await (const execution of client.workflow.list({ query, pageSize: Math.min(limit, 100) })) {
      entries.push(historyEntry(execution));
      if (entries.length >= limit) break;
    }
    // Newest request first (visibility lists the open ones first, then by when they closed).
    entries.sort((a, b) => b.requestedAt.localeCompare(a.requestedAt));
    process.stdout.write(`${options.json ? JSON.stringify(entries) : renderHistory(options.env, entries)}\n`);
    return EXIT.ok;
  } finally {
    await close();
  }
}

function historyEntry(execution: WorkflowExecutionInfo): HistoryEntry {
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

function checkLimit(value: string): number {
  const limit = /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  if (!(limit >= 1 && limit <= MAX_LIMIT)) {
    throw usageError(`invalid --limit ${quoted(value)}: use a whole number from 1 to ${MAX_LIMIT}`);
  }
  return limit;
}

function checkStatus(value: string): DeploymentStatus {
  const status = DEPLOYMENT_STATUSES.find((known) => known === value);
  if (status === undefined) {
    throw usageError(`invalid --status ${quoted(value)}: use one of ${DEPLOYMENT_STATUSES.join(', ')}`);
  }
  return status;
}
