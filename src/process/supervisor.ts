// The process supervisor: a command's process group never outlives its deploy step, nor the process that started it
// (a worker's activity, or deployctl run on a CI runner).
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';

/**
 * The supervisor, a POSIX shell started in a session of its own (so nothing sent to its starter's process group
 * or session reaches it) with a pipe from its starter (the worker, or deployctl run) as its stdin. It forks a
 * watcher and then becomes the command (exec), which leads the session's one process group. The watcher blocks on
 * the pipe: the pipe reaches end of file when the starter closes it (cancel, or the command has exited) or when the
 * starter dies, however it dies, since the kernel closes a dead process's pipes. Then the watcher stops the whole
 * group: SIGTERM, and SIGKILL after the grace period. It ignores SIGTERM itself so that it lives to send the SIGKILL.
 *
 * A shell rather than a Node supervisor: it costs a few milliseconds of CPU where Node costs over a hundred.
 * Arguments: GRACE_SECONDS PROGRAM [ARGS...]
 */
const SUPERVISOR_SCRIPT = [
  'grace=$1; shift',
  'exec 3<&0',
  '( trap \'\' TERM INT HUP; while read -r _; do :; done; kill -TERM 0; sleep "$grace"; kill -KILL 0 ) ' +
    '<&3 >/dev/null 2>&1 &',
  'exec "$@" </dev/null 3<&-',
].join('\n');

/** How much of a command's last line of output a failure message quotes (worker and runner alike). */
export const LAST_OUTPUT_CHARS = 300;

export interface SupervisedCommand {
  /** argv: run without a shell, so nothing in it is interpreted. */
  argv: [string, ...string[]];
  cwd: string;
  env: NodeJS.ProcessEnv;
  killGracePeriodMs: number;
}

export interface Supervised {
  /** The command itself (the supervisor became it): its exit is the command's exit. */
  child: ChildProcessByStdio<Writable, Readable, Readable>;
  /** Stops the command's whole process group: SIGTERM, then SIGKILL after the grace period. Idempotent. */
  stopGroup: () => void;
}

/** Starts a command under the supervisor. Check it with `notRunnable` first: a failed exec shows only as exit 127. */
export function startSupervised(command: SupervisedCommand): Supervised {
  const graceSeconds = String(Math.max(0, command.killGracePeriodMs) / 1000);
  const child = spawn('/bin/sh', ['-c', SUPERVISOR_SCRIPT, 'deploy-supervisor', graceSeconds, ...command.argv], {
    cwd: command.cwd,
    env: command.env,
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // Nothing is ever written; an error on the pipe only means the watcher has gone.
  child.stdin.on('error', () => undefined);
  // Closing the pipe is the one way to stop the group: the watcher does the rest, even if the starter dies now.
  return { child, stopGroup: () => child.stdin.destroy() };
}

/** Why a program cannot be run, checked before starting it (spawn's own errors are hidden behind the shell). */
export function notRunnable(program: string, cwd: string, path: string | undefined): string | undefined {
  const executable = (file: string) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (program.includes('/')) {
    const file = isAbsolute(program) ? program : resolve(cwd, program);
    try {
      accessSync(file, constants.F_OK);
    } catch {
      return 'ENOENT';
    }
    return executable(file) ? undefined : 'EACCES';
  }
  const found = (path ?? '').split(delimiter).some((dir) => dir !== '' && executable(join(resolve(cwd, dir), program)));
  return found ? undefined : 'ENOENT';
}
