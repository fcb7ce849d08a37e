// Which earlier deployment a rollback repeats. Pure: deployctl gives it what visibility recorded.

interface Succeeded {
  correlationId: string;
  ref?: string;
  closedAt?: number;
}

/**
 * The deployment a bake alarm rolls back to: the newest that succeeded with another ref than the one that failed
 * (any, when refs are unknown). Returns why not when there is none.
 */
export function lastGood<T extends Succeeded>(
  succeeded: T[],
  environment: string,
  failedRef: string | undefined,
): T | string {
  const newestFirst = [...succeeded].sort((a, b) => (b.closedAt ?? 0) - (a.closedAt ?? 0));
  const target = newestFirst.find((d) => d.ref === undefined || failedRef === undefined || d.ref !== failedRef);
  return target ?? `nothing else has succeeded in ${environment}: nothing to roll back to`;
}

/**
 * The deployment to roll back to, among those that succeeded in the environment: the one named (`to`), the newest of
 * `ref`, or by default the newest before the current one (the newest) that deployed something else (another ref).
 * Returns why not when there is none.
 */
export function rollbackTarget<T extends Succeeded>(
  succeeded: T[],
  environment: string,
  wanted: { to?: string; ref?: string },
): T | string {
  const newestFirst = [...succeeded].sort((a, b) => (b.closedAt ?? 0) - (a.closedAt ?? 0));
  if (wanted.to !== undefined) {
    return (
      newestFirst.find((d) => d.correlationId === wanted.to) ??
      `${wanted.to} is not a deployment that succeeded in ${environment}`
    );
  }
  if (wanted.ref !== undefined) {
    return newestFirst.find((d) => d.ref === wanted.ref) ?? `${wanted.ref} has not succeeded in ${environment}`;
  }
  const [current, ...earlier] = newestFirst;
  if (!current) return `no deployment has succeeded in ${environment}: nothing to roll back to`;
  const target = earlier.find((d) => d.ref === undefined || current.ref === undefined || d.ref !== current.ref);
  return target ?? `only ${current.correlationId} has succeeded in ${environment}: nothing earlier to roll back to`;
}
