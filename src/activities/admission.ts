// A request's admission, the first thing a deployment asks its worker: the environment's settings, and who is asking
// (the request's ID token verified, the environment's access rules applied, the token spent). Nothing is queued or
// deployed for a request refused here.
import { ApplicationFailure, log } from '@temporalio/activity';
import type { DeployConfig } from '../config/deploy-config';
import { type AccessVerdict, nameProblem, type ResolvedRequest } from '../contract';
import type { EnvironmentSettings } from '../contract/settings';
import { accessProblem } from '../domain/access-rules';
import { claimsWords, verifiedName } from '../domain/id-token-claims';
import { present } from '../domain/present';
import { type IdTokenVerifier, IssuerUnavailableError } from '../identity/id-token-verifier';
import { type ResolveEnvironmentInput } from './environment';

export interface ResolveRequestInput extends ResolveEnvironmentInput {
  /** The deployment asking: the one a token is spent by. */
  workflowId: string;
  ref?: string;
  /** The CI's ID token, when the request carries one. */
  idToken?: string;
  /** Who the caller says it is (RequestedBy), for an unverified request. */
  claimedBy?: string;
}

export interface AdmissionDeps {
  config: DeployConfig;
  resolveEnvironment(input: ResolveEnvironmentInput): Promise<EnvironmentSettings>;
  verifier: IdTokenVerifier | undefined;
  spendToken(tokenId: string, spentBy: string): Promise<string | undefined>;
}

export function createResolveRequest({ config, resolveEnvironment, verifier, spendToken }: AdmissionDeps) {
  async function admit(input: ResolveRequestInput): Promise<AccessVerdict> {
    const { environment, idToken, claimedBy } = input;
    // (A worker that trusts no issuer verifies nothing and marks nothing, as before identity existed; its config
    // cannot require identity anywhere.)
    if (!verifier) return { admitted: true };
    const access = config.access[environment];
    const unverified: AccessVerdict = {
      admitted: true,
      requester: { verified: false, ...present({ name: claimedBy }) },
    };
    if (idToken === undefined) {
      if (access?.identity !== 'required') return unverified;
      return {
        admitted: false,
        check: 'missing',
        reason:
          `${environment} takes verified requests only, and this one carries no ID token: give the CI job ` +
          '`id-token: write` (GitHub) or an id_tokens entry (GitLab), or --id-token-file',
      };
    }
    let verified;
    try {
      verified = await verifier.verify(idToken);
    } catch (err) {
      if (err instanceof IssuerUnavailableError) throw ApplicationFailure.retryable(err.message, 'IssuerUnavailable');
      throw err;
    }
    if ('check' in verified) return { admitted: false, ...verified };
    const { claims } = verified;
    // Spent by the first request that shows it, allowed or not: a token read from a refused request's history is as
    // spent as one that deployed.
    const spentBy = await spendToken(verified.tokenId, input.workflowId);
    if (spentBy !== undefined) {
      return {
        admitted: false,
        check: 'replay',
        reason: `this ID token was already used, by ${spentBy}: each request needs a token of its own`,
        claims,
      };
    }
    const problem = accessProblem(environment, access, claims, input.ref);
    if (problem) return { admitted: false, ...problem, claims };
    const name = verifiedName(claims);
    if (nameProblem('actor', name) !== undefined) {
      return { admitted: false, check: 'format', reason: 'the token names no usable actor or subject', claims };
    }
    return { admitted: true, requester: { verified: true, name, claims } };
  }

  /** The environment's settings and the verdict on who asks; a refusal is logged with the claims, never the token. */
  return async function resolveRequest(input: ResolveRequestInput): Promise<ResolvedRequest> {
    const settings = await resolveEnvironment(present({ environment: input.environment, stackName: input.stackName }));
    const access = await admit(input);
    if (!access.admitted) {
      log.warn('Request refused', {
        environment: input.environment,
        workflowId: input.workflowId,
        check: access.check,
        ...present({ claims: access.claims ? claimsWords(access.claims) : undefined }),
      });
    }
    return { settings, access };
  };
}
