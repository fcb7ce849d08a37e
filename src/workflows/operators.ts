// An operator's message, decided by the worker: the environment's operator rules (docs/trust.md) are asked in an
// activity before the message takes effect. A refusal is the message's outcome (AccessDenied), counted and logged.
import { ApplicationFailure, patched } from '@temporalio/workflow';
import { FAILURE, type OperatorAction } from '../contract';
import { requesterWords } from '../domain/id-token-claims';
import { present } from '../domain/present';
import { operatorCheck } from './activity-options';
import { localWorkRunning, localWorkSettled } from './local-work';
import { recordOperatorRefused } from './metrics';
import { PATCHES } from './patches';

/** Who acts, as the worker established it. */
export interface Operator {
  /** The verified actor, else the name given. */
  name?: string;
  /** As it is recorded where a reason is: `octocat (verified)`, `ana (unverified)`, or the bare name given where the
   * worker trusts no issuer. */
  shown?: string;
}

/**
 * Whether the operator may `action` in `environment`; throws AccessDenied naming the check when not. `actingFor`
 * (the workflow and message) is what a shown ID token is spent by. With `settle`, asked and answered only where no
 * local activity runs (local-work.ts), so that what the message does next replays in its place.
 */
export async function authorizedOperator(
  environment: string,
  action: OperatorAction,
  actingFor: string,
  message: { by?: string; idToken?: string },
  settle = false,
): Promise<Operator> {
  if (settle) await localWorkSettled();
  const operator = await decided(environment, action, actingFor, message);
  if (settle) await localWorkSettled();
  return operator;
}

/** An operator's update validator: turned away, unrecorded, while a local activity runs; deployctl sends it again. */
export function refuseWhileLocalWorkRuns(_message?: unknown): void {
  if (!localWorkRunning()) return;
  throw ApplicationFailure.create({
    type: FAILURE.busy,
    message: 'the deployment is running a step in the worker; send the message again',
  });
}

async function decided(
  environment: string,
  action: OperatorAction,
  actingFor: string,
  message: { by?: string; idToken?: string },
): Promise<Operator> {
  // (Before 1.4 a message took effect as it came: replayed so.)
  if (!patched(PATCHES.operatorAccess.id)) return present({ name: message.by, shown: message.by });
  const verdict = await operatorCheck.authorizeOperator({
    environment,
    action,
    actingFor,
    ...present({ idToken: message.idToken, claimedBy: message.by }),
  });
  if (!verdict.admitted) {
    recordOperatorRefused(environment, action, verdict.check);
    throw ApplicationFailure.create({
      type: FAILURE.accessDenied,
      nonRetryable: true,
      message: verdict.reason,
      details: [{ check: verdict.check }],
    });
  }
  const { requester } = verdict;
  if (!requester) return present({ name: message.by, shown: message.by });
  return present({ name: requester.name, shown: requesterWords(requester.name, requester.verified) });
}

/** Whether an operator's message was refused by the operator rules (authorizedOperator threw it). */
export function isAccessDenied(err: unknown): err is ApplicationFailure {
  return err instanceof ApplicationFailure && err.type === FAILURE.accessDenied;
}
