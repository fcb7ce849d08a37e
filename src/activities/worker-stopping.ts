// The failures of a step whose worker stops (see drain.ts): handed over to another worker, or stopped with it.
import { ApplicationFailure } from '@temporalio/activity';
import { FAILURE } from '../contract';

/** Retryable: the activity's retry runs on another worker, since this one polls no more. */
export function handedOver(what: string): ApplicationFailure {
  return ApplicationFailure.retryable(
    `${what} handed over to another worker: this one is draining`,
    FAILURE.workerDraining,
  );
}

/** The step's worker stopped before the step ended: its command was stopped too. */
export function workerStopped(what: string, why: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `the worker running the ${what} was stopped (${why}); the ${what} was stopped with it`,
    FAILURE.workerStopped,
  );
}
