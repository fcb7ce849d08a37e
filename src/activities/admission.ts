// A request's admission, the first thing a deployment asks its worker: the environment's settings, and who is asking
// (the request's ID token verified, the environment's access rules applied, the token spent). Nothing is queued or
// deployed for a request refused here.
import { ApplicationFailure, log } from '@temporalio/activity';
import type { DeployConfig } from '../config/deploy-config';
import {
  type AccessVerdict,
  nameProblem,
  type OperatorRequest,
  type ResolvedRequest,
  type VerifiedClaims,
} from '../contract';
import type { EnvironmentSettings } from '../contract/settings';
import { accessProblem, operatorProblem } from '../domain/access-rules';
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
  spendToken: SpendToken;
}

/** Spends a token for a message (identity/spent-tokens.ts): undefined when this one may use it, else who did. */
type SpendToken = (tokenId: string, spentBy: string) => Promise<string | undefined>;

/** A verified token's claims and the name they give, or why the token is refused. */
type Identified = { claims: VerifiedClaims; name: string } | Extract<AccessVerdict, { admitted: false }>;

/** Verifies an ID token and spends it for `spentBy`; a refusal names the check (`replay` for a spent token). */
async function identify(
  verifier: IdTokenVerifier,
  spendToken: SpendToken,
  idToken: string,
  spentBy: string,
): Promise<Identified> {
  let verified;
  try {
    verified = await verifier.verify(idToken);
  } catch (err) {
    if (err instanceof IssuerUnavailableError) throw ApplicationFailure.retryable(err.message, 'IssuerUnavailable');
    throw err;
  }
  if ('check' in verified) return { admitted: false, ...verified };
  const { claims } = verified;
  // Spent by the first message that shows it, allowed or not: a token read from a refused request's history is as
  // spent as one that deployed.
  const before = await spendToken(verified.tokenId, spentBy);
  if (before !== undefined) {
    return {
      admitted: false,
      check: 'replay',
      reason: `this ID token was already used, by ${before}: each request needs a token of its own`,
      claims,
    };
  }
  const name = verifiedName(claims);
  if (nameProblem('actor', name) !== undefined) {
    return { admitted: false, check: 'format', reason: 'the token names no usable actor or subject', claims };
  }
  return { claims, name };
}

function logRefusal(what: string, access: AccessVerdict, fields: Record<string, unknown>): void {
  if (access.admitted) return;
  log.warn(what, {
    ...fields,
    check: access.check,
    ...present({ claims: access.claims ? claimsWords(access.claims) : undefined }),
  });
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
    const identified = await identify(verifier, spendToken, idToken, input.workflowId);
    if (!('name' in identified)) return identified;
    const { claims, name } = identified;
    const problem = accessProblem(environment, access, claims, input.ref);
    if (problem) return { admitted: false, ...problem, claims };
    return { admitted: true, requester: { verified: true, name, claims } };
  }

  /** The environment's settings and the verdict on who asks; a refusal is logged with the claims, never the token. */
  return async function resolveRequest(input: ResolveRequestInput): Promise<ResolvedRequest> {
    const settings = await resolveEnvironment(present({ environment: input.environment, stackName: input.stackName }));
    const access = await admit(input);
    logRefusal('Request refused', access, { environment: input.environment, workflowId: input.workflowId });
    return { settings, access };
  };
}

/**
 * Whether an operator may cancel, force-release, freeze or approve in an environment (its access block's operators),
 * and who it is: the token's actor when it shows one, else the name it gives, marked unverified where the worker
 * trusts issuers. A refusal is logged with the claims, never the token.
 */
export function createAuthorizeOperator({
  config,
  verifier,
  spendToken,
}: Pick<AdmissionDeps, 'config' | 'verifier' | 'spendToken'>) {
  async function decide(request: OperatorRequest): Promise<AccessVerdict> {
    const { environment, action, idToken, claimedBy } = request;
    const operators = config.access[environment]?.operators;
    if (idToken !== undefined && verifier) {
      const identified = await identify(verifier, spendToken, idToken, request.actingFor);
      if (!('name' in identified)) return identified;
      const { claims, name } = identified;
      const problem = operators && operatorProblem(environment, operators, action, { claims });
      if (problem) return { admitted: false, ...problem, claims };
      return { admitted: true, requester: { verified: true, name, claims } };
    }
    const unverified: AccessVerdict = verifier
      ? { admitted: true, requester: { verified: false, ...present({ name: claimedBy }) } }
      : { admitted: true };
    if (!operators) return unverified;
    if (operators.identity === 'required' || claimedBy === undefined) {
      return {
        admitted: false,
        check: 'missing',
        reason:
          operators.identity === 'required'
            ? `${action} in ${environment} takes verified operators only, and this one showed no ID token: give ` +
              '--id-token-file or DEPLOY_ID_TOKEN (a token of an issuer the worker trusts)'
            : `${action} in ${environment} needs to know who asks: give --by`,
      };
    }
    const problem = operatorProblem(environment, operators, action, { name: claimedBy });
    return problem ? { admitted: false, ...problem } : unverified;
  }

  return async function authorizeOperator(request: OperatorRequest): Promise<AccessVerdict> {
    const verdict = await decide(request);
    logRefusal('Operator refused', verdict, {
      environment: request.environment,
      action: request.action,
      actingFor: request.actingFor,
      ...present({ claimedBy: request.claimedBy }),
    });
    return verdict;
  };
}
