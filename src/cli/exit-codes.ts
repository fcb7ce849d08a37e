import type { DeploymentStatus } from '../contract';

export const EXIT = {
  ok: 0,
  failed: 1,
  waitTimedOut: 2,
  stopped: 3,
  usage: 64,
  unavailable: 69,
} as const;

export function exitCodeFor(status: DeploymentStatus): number {
  switch (status) {
    case 'succeeded':
      return EXIT.ok;
    case 'timed-out':
      return EXIT.waitTimedOut;
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
