// Who is asking: recorded with each request (RequestedBy), and each operator's message (--by, an ID token).
import { userInfo } from 'node:os';
import { nameProblem } from '../contract/names';
import { ApplicationFailure } from '@temporalio/client';
import { FAILURE } from '../contract/failure-types';
import { findCause } from '../domain/error-cause';
import { present } from '../domain/present';
import { EXIT, ExitError } from './exit-codes';
import { obtainIdToken } from './id-token';
import { checkName } from './inputs';

/** The CI actor (GitHub, GitLab), else the local user; undefined when none of them is a valid name. */
export function whoAsks(): string | undefined {
  const { GITHUB_ACTOR, GITLAB_USER_LOGIN } = process.env;
  const candidates = [GITHUB_ACTOR, GITLAB_USER_LOGIN, localUser()];
  return candidates.find((name) => name !== undefined && name !== '' && nameProblem('actor', name) === undefined);
}

/** `--by`, checked (exit 64 naming it), or who is asking. */
export function actorOption(by: string | undefined): string | undefined {
  return by === undefined ? whoAsks() : checkName('actor', by);
}

function localUser(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    // (A container user without a passwd entry.)
    return process.env.USER;
  }
}

/** Where an operator's ID token comes from: deployctl --id-token-file and --audience. */
export interface OperatorOptions {
  by?: string;
  idTokenFile?: string;
  audience?: string;
}

/**
 * Who an operator (cancel, force-release, freeze, approve) says it is: `--by`, else the CI actor or the local user;
 * and the ID token that proves it, where one is to be had (--id-token-file, DEPLOY_ID_TOKEN, GitHub Actions). The
 * worker verifies the token and decides by the environment's operator rules.
 */
export async function operatorIdentity(options: OperatorOptions): Promise<{ by?: string; idToken?: string }> {
  const by = actorOption(options.by);
  const idToken = await obtainIdToken(present({ idTokenFile: options.idTokenFile, audience: options.audience }));
  return present({ by, idToken });
}

/**
 * ` by NAME` for what deployctl prints once a message is sent, or '' where a token was shown: the worker, not
 * deployctl, knows the verified name (it is in the history and the notices).
 */
export function byWords({ by, idToken }: { by?: string; idToken?: string }): string {
  return by === undefined || idToken !== undefined ? '' : ` by ${by}`;
}

/** The refusal of an operator rule (AccessDenied) somewhere in an error's causes, as an exit 77 naming it. */
export function accessDeniedExit(err: unknown, what: string): ExitError | undefined {
  const refusal = findCause(
    err,
    (cause): cause is ApplicationFailure => cause instanceof ApplicationFailure && cause.type === FAILURE.accessDenied,
  );
  return refusal && new ExitError(EXIT.accessDenied, `${what}: refused: ${refusal.message}`);
}
