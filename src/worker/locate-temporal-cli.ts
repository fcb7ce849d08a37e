import { accessSync, constants } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import type { EphemeralServerExecutable } from '@temporalio/testing';

// From dist/src/worker (built) or src/worker (tests run from source).
const PROJECT_CLI = resolve(__dirname, '..', '..', '..', '.tools', 'bin', 'temporal');

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** TEMPORAL_CLI_PATH, then the project's own build (scripts/ensure-temporal-cli.sh), then `temporal` on PATH. */
export function findTemporalCli(): string | undefined {
  const explicit = process.env.TEMPORAL_CLI_PATH;
  if (explicit) return explicit;
  for (const candidate of [
    PROJECT_CLI,
    resolve(__dirname, '..', '..', '.tools', 'bin', 'temporal'),
    ...(process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, 'temporal')),
  ]) {
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

/** The dev server to run: a local CLI when there is one, else the SDK's cached download. */
export function temporalExecutable(): EphemeralServerExecutable {
  const path = findTemporalCli();
  return path ? { type: 'existing-path', path } : { type: 'cached-download' };
}
