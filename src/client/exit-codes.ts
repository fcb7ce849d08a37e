// (Straight from its module: --help loads this file, and the contract's index brings the Temporal SDK's common code.)
import type { DeploymentResult, DeploymentStatus } from '../contract';
import { FAILURE } from '../contract/failure-types';

export const EXIT = {
  ok: 0,
  failed: 1,
  waitTimedOut: 2,
  stopped: 3,
  /** Refused by the environment's rules, nothing queued: closed until after the wait timeout, or no override. */
  refused: 4,
  /** Promotion refused: the ref has not succeeded upstream (long enough ago, recently enough); nothing deployed. */
  notPromoted: 5,
  /** Rejected by an approver (deployctl reject); nothing deployed. */
  rejected: 6,
  usage: 64,
  /** Access denied: the request's ID token failed a check, or no access rule of the environment allows it. */
  accessDenied: 77,
  unavailable: 69,
} as const;

/** The exit code of an outcome: a request the worker refused as bad (no config here to check it first) is bad usage. */
export function exitCodeFor({ status, errorType }: Pick<DeploymentResult, 'status' | 'errorType'>): number {
  if (errorType === FAILURE.badRequest || errorType === FAILURE.unknownEnvironment) return EXIT.usage;
  if (errorType === FAILURE.notPromoted) return EXIT.notPromoted;
  if (errorType === FAILURE.accessDenied) return EXIT.accessDenied;
  return exitCodeForStatus(status);
}

function exitCodeForStatus(status: DeploymentStatus): number {
  switch (status) {
    case 'succeeded':
      return EXIT.ok;
    case 'timed-out':
      return EXIT.waitTimedOut;
    case 'refused':
      return EXIT.refused;
    case 'rejected':
      return EXIT.rejected;
    case 'cancelled':
    case 'superseded':
    case 'revoked':
      return EXIT.stopped;
    default:
      return EXIT.failed;
  }
}

/** An error that ends deployctl with a given exit code and message. */
export class ExitError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

export function usageError(message: string): ExitError {
  return new ExitError(EXIT.usage, message);
}
