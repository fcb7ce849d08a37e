// Pure queue arithmetic for the environment lock: ordering and ETAs.
import type { Holder, QueueView, TurnRequest } from '../contract';

/** FIFO, except that a high-priority request goes ahead of every normal one (behind earlier high ones). */
export function enqueue(waiting: readonly TurnRequest[], request: TurnRequest): TurnRequest[] {
  if (request.priority !== 'high') return [...waiting, request];
  const firstNormal = waiting.findIndex((entry) => entry.priority !== 'high');
  if (firstNormal === -1) return [...waiting, request];
  return [...waiting.slice(0, firstNormal), request, ...waiting.slice(firstNormal)];
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
): QueueView {
  // Recent real durations beat the configured expectation once there are some.
  const typicalMs = (request: TurnRequest) => median(recentDurationsMs) ?? request.expectedDurationMs;
  const runningMs = holder ? now - holder.grantedAt : 0;
  let etaMs = holder ? Math.max(0, typicalMs(holder) - runningMs) : 0;
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
