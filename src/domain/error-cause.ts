// An error's chain of causes, walked in one place: the SDK wraps what a worker or server said (an activity's
// ApplicationFailure, a gRPC status) in errors of its own, and callers look for it underneath.

/** The first error in `err`'s chain of causes, itself included, that `matches`; undefined when none does. */
export function findCause<T extends Error>(err: unknown, matches: (cause: Error) => cause is T): T | undefined;
export function findCause(err: unknown, matches: (cause: Error) => boolean): Error | undefined;
export function findCause(err: unknown, matches: (cause: Error) => boolean): Error | undefined {
  for (let cause: unknown = err; cause instanceof Error; cause = cause.cause) {
    if (matches(cause)) return cause;
  }
  return undefined;
}
