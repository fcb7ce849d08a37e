// Where a deployment stands in its environment's queue: for deployctl's progress lines and the queued notice.
import type { Closure, QueueView } from '../contract';

export interface QueuePosition {
  /** 1 is next. */
  position: number;
  /** How many are waiting in all. */
  waiting: number;
  /** Who holds the turn now, if anybody. */
  holderCorrelationId: string | null;
  etaMs: number;
  /** Why the environment is closed, and until when: nothing starts before then. */
  closure?: Closure;
}

/** Undefined when the deployment is not waiting (it holds the turn, or has not been queued yet). */
export function queuePosition(view: QueueView, workflowId: string): QueuePosition | undefined {
  const entry = view.waiting.find((waiting) => waiting.workflowId === workflowId);
  if (!entry) return undefined;
  return {
    position: entry.position,
    waiting: view.waiting.length,
    holderCorrelationId: view.holder?.correlationId ?? null,
    etaMs: entry.etaMs,
    ...(view.closure ? { closure: view.closure } : {}),
  };
}
