// Pure queue arithmetic for the environment lock: ordering and ETAs.
import type { Closure, Holder, QueueMode, QueueView, TurnRequest } from '../contract';

/** FIFO, except that a high-priority request goes ahead of every normal one (behind earlier high ones). */
export function enqueue(waiting: readonly TurnRequest[], request: TurnRequest): TurnRequest[] {
  if (request.priority !== 'high') return [...waiting, request];
  const firstNormal = waiting.findIndex((entry) => entry.priority !== 'high');
  if (firstNormal === -1) return [...waiting, request];
  return [...waiting.slice(0, firstNormal), request, ...waiting.slice(firstNormal)];
}

/** Whether two requests come from the same run of a deployment. */
const sameRun = (a: { runId: string }, b: { runId: string }) => a.runId === b.runId;

/** What the lock does with a request for the turn. */
export type Admission =
  /** The holder's own run asking again (an activity retry): it is told its lease again, and nothing else changes. */
  | { kind: 'holder-again'; holder: Holder }
  /** Already waiting: never queued twice. A new run of it (reset from the Web UI) takes over its place in line. */
  | { kind: 'waiting-already'; waiting: TurnRequest[] }
  /** Queued by priority; in supersede mode every request that waited before it is superseded. */
  | { kind: 'queued'; waiting: TurnRequest[]; superseded: TurnRequest[] };

/**
 * Admits a request to the queue. A new run of the holder (reset while it held the turn) waits like any request: the
 * old run's command may still be stopping, and the liveness check passes the turn on once that run has closed.
 */
export function admit(
  holder: Holder | undefined,
  waiting: readonly TurnRequest[],
  request: TurnRequest,
  mode: QueueMode,
): Admission {
  if (holder?.workflowId === request.workflowId && sameRun(holder, request)) return { kind: 'holder-again', holder };
  const queued = waiting.findIndex((entry) => entry.workflowId === request.workflowId);
  if (queued !== -1) {
    const entry = waiting[queued]!;
    if (sameRun(entry, request)) return { kind: 'waiting-already', waiting: [...waiting] };
    const replaced = [...waiting];
    // The place as it was given: its time, and the priority that put it there (else a high entry could sit among
    // normal ones, and high requests queue behind it).
    replaced[queued] = { ...request, requestedAt: entry.requestedAt, priority: entry.priority };
    return { kind: 'waiting-already', waiting: replaced };
  }
  if (mode === 'supersede') return { kind: 'queued', waiting: enqueue([], request), superseded: [...waiting] };
  return { kind: 'queued', waiting: enqueue(waiting, request), superseded: [] };
}

function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

export function queueView(
  environment: string,
  holder: Holder | undefined,
  waiting: readonly TurnRequest[],
  recentDurationsMs: readonly number[],
  now: number,
  closure?: Closure,
): QueueView {
  // Recent real durations beat the configured expectation once there are some.
  const typicalMs = (request: TurnRequest) => median(recentDurationsMs) ?? request.expectedDurationMs;
  const runningMs = holder ? now - holder.grantedAt : 0;
  let etaMs = holder ? Math.max(0, typicalMs(holder) - runningMs) : 0;
  // A closed environment starts nothing until it opens (frozen by hand: the closure says until it is lifted).
  if (closure?.opensAt !== undefined) etaMs = Math.max(etaMs, closure.opensAt - now);
  return {
    environment,
    holder: holder ? { ...holder, runningMs } : null,
    waiting: waiting.map((request, index) => {
      const entry = {
        position: index + 1,
        workflowId: request.workflowId,
        correlationId: request.correlationId,
        stackName: request.stackName,
        priority: request.priority,
        requestedAt: request.requestedAt,
        etaMs,
      };
      etaMs += typicalMs(request);
      return entry;
    }),
  };
}
