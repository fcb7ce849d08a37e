import { closureLine, formatInstant, overrideWords } from '../domain/closure-wording';
import { formatDuration } from '../domain/durations';
import { requesterWords, verifiedOf } from '../domain/id-token-claims';
import type { DeploymentState, HistoryEntry, QueueView, RunnerStep } from '../contract';
import { approveCommand, awaitingApprovalWords, liveApprovals } from '../domain/approvals';
import { evidenceWords, soakWords } from '../domain/promotion';

/** What deployctl says on stderr each time a worker refuses its query and it asks again (src/client/refused-query.ts). */
export const ASKING_AGAIN =
  'a worker new to this workflow could not answer yet (its next task is pending); asking again\n';

export function renderQueue(view: QueueView, now = Date.now()): string {
  const lines = [`environment ${view.environment}`];
  if (view.closure) lines.push(`  closed:    ${closureLine(view.closure, now)}`);
  if (view.holder) {
    const h = view.holder;
    lines.push(
      `  deploying: ${h.correlationId} (${h.stackName}, lease ${h.leaseId}, running ${formatDuration(h.runningMs)})`,
    );
    if (h.revoked) {
      // The turn passes on once it has stopped: until then nobody else deploys.
      lines.push(`  revoked:   stopping since ${new Date(h.revoked.at).toISOString()} (${h.revoked.reason})`);
    }
  } else {
    lines.push('  deploying: nobody');
  }
  if (view.waiting.length === 0) lines.push('  waiting: nobody');
  for (const entry of view.waiting) {
    const priority = entry.priority === 'high' ? ', high priority' : '';
    const waitingFor = entry.waitingFor?.length ? `; waiting for ${entry.waitingFor.join(', ')}` : '';
    lines.push(
      `  ${entry.position}. ${entry.correlationId} (${entry.stackName}${priority}, ETA ${formatDuration(entry.etaMs)}${waitingFor})`,
    );
  }
  for (const entry of view.scheduled ?? []) {
    lines.push(
      `  scheduled: ${entry.correlationId} (${entry.stackName}) joins the queue at ${formatInstant(entry.joinsAt)}`,
    );
  }
  return lines.join('\n');
}

/** A runner-side deploy step (deployctl run): who runs it, when it was last heard from, how it ended. */
function runnerLine(step: RunnerStep, at: (t: number | undefined) => string): string {
  if (step.runnerId === undefined) return `waiting for the runner to start the command since ${at(step.startedAt)}`;
  const exit = step.exit;
  const ended = exit ? (exit.signal ? `, killed by ${exit.signal}` : `, exited with code ${exit.exitCode}`) : '';
  const stopping = step.stopRequested && !exit ? ', asked to stop' : '';
  return `${step.runnerId}, last heard ${at(step.lastHeartbeatAt)}${stopping}${ended}`;
}

export function renderState(state: DeploymentState): string {
  const at = (t: number | undefined) => (t === undefined ? '-' : new Date(t).toISOString());
  const lines = [
    `deployment ${state.correlationId} (${state.workflowId})`,
    `  status:      ${state.status}`,
    `  environment: ${state.environment}`,
    `  stack name:  ${state.stackName ?? '-'}`,
    `  ref:         ${state.ref ?? '-'}`,
    `  priority:    ${state.priority}`,
    `  requested:   ${at(state.requestedAt)}`,
    `  started:     ${at(state.startedAt)}`,
    `  finished:    ${at(state.finishedAt)}`,
  ];
  const requester = requesterWords(state.requestedBy, verifiedOf(state), state.identity);
  if (requester) lines.push(`  requested by: ${requester}`);
  if (state.stack) {
    const { status, done, inFlight, failed, lastEvent, firstFailure } = state.stack;
    lines.push(`  stack:       ${status}: ${done} resources done, ${inFlight} in flight, ${failed} failed`);
    if (lastEvent) lines.push(`  last event:  ${lastEvent.resource} ${lastEvent.status} at ${at(lastEvent.at)}`);
    if (firstFailure)
      lines.push(`  first failure: ${firstFailure.resource} ${firstFailure.status}: ${firstFailure.reason}`);
  }
  if (state.runner) lines.push(`  runner:      ${runnerLine(state.runner, at)}`);
  if (state.assembly) lines.push(`  assembly:    ${state.assembly}`);
  if (state.changeSet) lines.push(`  change set:  ${state.changeSet}`);
  if (state.noChanges) lines.push('  changes:     none (the stack already matched)');
  for (const [key, value] of Object.entries(state.outputs ?? {})) lines.push(`  output:      ${key} = ${value}`);
  if (state.notificationsFailed > 0) lines.push(`  notifications: ${state.notificationsFailed} not delivered`);
  if (state.error) lines.push(`  error:       ${state.error}${state.errorType ? ` (${state.errorType})` : ''}`);
  if (state.reason) lines.push(`  reason:      ${state.reason}`);
  if (state.stoppedBy) lines.push(`  stopped by:  ${state.stoppedBy}`);
  if (state.scheduledFor !== undefined) lines.push(`  scheduled:   joins the queue at ${at(state.scheduledFor)}`);
  if (state.closure && state.status === 'queued')
    lines.push(`  closed when queued: ${closureLine(state.closure, Date.now())}`);
  if (state.freezeOverride) lines.push(`  override:    ${overrideWords(state.freezeOverride)}`);
  if (state.finishedInFreeze) {
    lines.push(`  finished in a freeze: ${closureLine(state.finishedInFreeze, state.finishedAt ?? Date.now())}`);
  }
  lines.push(...governanceLines(state), ...bakeLines(state));
  if (state.status === 'revoked') {
    lines.push(`  deploy step: ${state.stepCompleted ? 'had run to its end' : 'stopped before its end'}`);
  }
  return lines.join('\n');
}

/** An environment's bake: the alarm holding the deployment back, the bake after its step and how it ended. */
function bakeLines(state: DeploymentState, now = Date.now()): string[] {
  const lines: string[] = [];
  const { heldByAlarm: held, bake } = state;
  if (held && state.status === 'queued') lines.push(`  held back:   alarm ${held.name} is in ALARM: ${held.reason}`);
  if (bake) {
    const ended = bake.alarm
      ? `failed: alarm ${bake.alarm.name} went to ALARM: ${bake.alarm.reason}`
      : bake.passed
        ? `passed (${formatDuration(bake.until - bake.startedAt)}, no alarm)`
        : `baking until ${new Date(bake.until).toISOString()} (${formatDuration(Math.max(0, bake.until - now))} to go)`;
    lines.push(`  bake:        ${ended}`);
  }
  return lines;
}

/** Promotion, approvals and rollback, as deployctl status shows them. */
function governanceLines(state: DeploymentState, now = Date.now()): string[] {
  const lines: string[] = [];
  if (state.rollback) lines.push(`  rollback:    to ${state.rollback.correlationId}: ${state.rollback.reason}`);
  if (state.soakUntil !== undefined && state.status === 'queued' && state.soakUntil > now) {
    lines.push(`  promotion:   ${state.ref ?? 'the ref'} ${soakWords(state.soakUntil, now)}`);
  }
  if (state.promotedFrom) lines.push(`  promotion:   ${evidenceWords(state.promotedFrom, state.startedAt ?? now)}`);
  const { approval } = state;
  if (approval) {
    for (const given of approval.approvals) {
      const expired = given.expiresAt <= now ? ' (expired)' : '';
      const comment = given.comment ? `: ${given.comment}` : '';
      lines.push(`  approved by: ${given.by} at ${new Date(given.at).toISOString()}${expired}${comment}`);
    }
    const missing = approval.required - liveApprovals(approval.approvals, now).length;
    if (missing > 0 && state.status === 'queued') {
      const who = approval.approvers ? ` (of ${approval.approvers.join(', ')})` : '';
      lines.push(`  needs:       ${awaitingApprovalWords(approval, now)}: ${missing} more${who}`);
      lines.push(`  approve:     ${approveCommand(state.environment, state.correlationId)}`);
    }
  }
  return lines;
}

/** deployctl history: a line per deployment, newest first, columns aligned; why beneath those that did not succeed. */
export function renderHistory(environment: string, entries: HistoryEntry[]): string {
  if (entries.length === 0) return `environment ${environment}: no deployments found`;
  const duration = (ms: number | null) => (ms === null ? '-' : formatDuration(ms));
  const rows = [
    ['REQUESTED (UTC)', 'CORRELATION ID', 'STATUS', 'REF', 'QUEUED', 'TOOK', 'REQUESTED BY'],
    ...entries.map((entry) => [
      entry.requestedAt.slice(0, 19).replace('T', ' '),
      entry.correlationId,
      entry.status,
      entry.ref ?? '-',
      duration(entry.queuedMs),
      duration(entry.durationMs),
      requesterWords(entry.requestedBy ?? undefined, entry.verified ?? undefined) ?? '-',
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines: string[] = [];
  rows.forEach((row, i) => {
    lines.push(
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    );
    const entry = entries[i - 1];
    if (!entry) return;
    const by = entry.stoppedBy === null ? '' : ` (by ${entry.stoppedBy})`;
    if (entry.error !== null) lines.push(`    ${entry.status}${by}: ${entry.error}`);
    if (entry.freezeOverride) lines.push(`    ${overrideWords(entry.freezeOverride)}`);
    if (entry.rollbackOf) lines.push(`    rollback to ${entry.rollbackOf}`);
    if (entry.promotedFrom) lines.push(`    ${evidenceWords(entry.promotedFrom, Date.parse(entry.requestedAt))}`);
    if (entry.approvedBy) lines.push(`    approved by ${entry.approvedBy.join(', ')}`);
    if (entry.ciRunUrl !== null) lines.push(`    CI run: ${entry.ciRunUrl}`);
  });
  return lines.join('\n');
}
