// A query that a worker new to the workflow refused, because answering it would have run the workflow on events that
// wait for its next workflow task (ADR 9), is answered once that task has run: after a worker's loss, within the 10 s
// the server gives the lost worker's queue. deployctl asks again within that time rather than failing.
import { setTimeout as sleep } from 'node:timers/promises';
import { REFUSED_OUTSIDE_WORKFLOW_TASK } from '../contract/failure-types';
import { findCause } from '../domain/error-cause';

/** The pauses before each new question: 11 s in all. */
const PAUSES_MS = [1000, 2000, 4000, 4000];

/** Whether a query failed because a worker refused to answer it there and then (see above). */
export function isRefusedQuery(err: unknown): boolean {
  return findCause(err, (cause) => cause.message.includes(REFUSED_OUTSIDE_WORKFLOW_TASK)) !== undefined;
}

/**
 * Asks, and asks again after each pause while the query is refused (telling `onRefused` each time); any other failure
 * is thrown at once.
 */
export async function askUntilAnswered<T>(
  ask: () => Promise<T>,
  { onRefused = () => undefined, pausesMs = PAUSES_MS }: { onRefused?: () => void; pausesMs?: readonly number[] } = {},
): Promise<T> {
  for (const pause of pausesMs) {
    try {
      return await ask();
    } catch (err) {
      if (!isRefusedQuery(err)) throw err;
    }
    onRefused();
    await sleep(pause);
  }
  return ask();
}
