// Who is asking: recorded with each request (RequestedBy), cancel and force-release (--by).
import { userInfo } from 'node:os';
import { nameProblem } from '../contract/names';
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

/**
 * Who approves or rejects: `--by`, else the CI actor or the local user. The one place an approver's identity comes
 * from; verified identities replace this function, not its callers.
 */
export function approverIdentity(by: string | undefined): string | undefined {
  return actorOption(by);
}
