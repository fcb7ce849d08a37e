// The timing of a runner-side deploy (deployctl run), all from one number: the environment's runnerHeartbeatTimeout.
// The runner must have stopped its command before the deployment can take it as lost and give the turn away; these
// keep that true: a runner that cannot reach the coordinator for half the timeout stops its command, and the stop
// takes at most a quarter of it, so the command is gone a quarter of the timeout before anyone else gets the turn.

/** How often the runner says its command still runs: six beats to a timeout, between 250 ms and 10 s apart. */
export function runnerHeartbeatEveryMs(timeoutMs: number): number {
  return Math.min(10_000, Math.max(250, Math.floor(timeoutMs / 6)));
}

/** How long the runner goes on without reaching the coordinator before it stops its command itself. */
export function runnerGivesUpAfterMs(timeoutMs: number): number {
  return Math.floor(timeoutMs / 2);
}

/** Between SIGTERM and SIGKILL when the runner stops its command: a quarter of the timeout, at most 10 s. */
export function runnerKillGraceMs(timeoutMs: number): number {
  return Math.min(10_000, Math.floor(timeoutMs / 4));
}
