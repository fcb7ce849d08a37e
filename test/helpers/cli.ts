import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { projectRoot } from './project-root';

/** What `npm install` puts on PATH: bin/deployctl.js, which runs dist/deployctl.js. */
export const BUILT_DEPLOYCTL = join(projectRoot(), 'bin', 'deployctl.js');
/** The file DEPLOYCTL_UNDER_TEST names (the e2e tests' single file, copied alone), or the built deployctl. */
const deployctlPath = () => process.env.DEPLOYCTL_UNDER_TEST ?? BUILT_DEPLOYCTL;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliTarget {
  address: string;
  taskQueue: string;
  /** Empty: no DEPLOY_CONFIG (with `cwd` elsewhere, deployctl has no config and the worker alone decides). */
  configPath: string;
  cwd?: string;
  /** Another deployctl script to run (the built one). */
  executable?: string;
}

/** Writes a config document to a temporary file for deployctl and the worker to read. */
export function writeConfig(environments: Record<string, unknown>, topLevel: Record<string, unknown> = {}): string {
  const path = join(tmpdir(), `deploy-config-${randomUUID()}.json`);
  writeFileSync(path, JSON.stringify({ ...topLevel, environments }, null, 2));
  return path;
}

/** Where deployctl finds an ID token: a test that means one sets it. */
const ID_TOKEN_VARIABLES = [
  'DEPLOY_ID_TOKEN',
  'DEPLOY_ID_TOKEN_AUDIENCE',
  'ACTIONS_ID_TOKEN_REQUEST_URL',
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
];

/** Starts the built deployctl as CI would, against the test server; `result` settles when it exits. */
export function startDeployctl(
  args: string[],
  target: Partial<CliTarget>,
  extraEnv: NodeJS.ProcessEnv = {},
): { child: ChildProcess; result: Promise<CliResult> } {
  // The test runner's own CI variables must not leak into deployctl; a test passes the ones it means.
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['GITHUB_RUN_ID', 'GITHUB_SERVER_URL', 'GITHUB_REPOSITORY', ...ID_TOKEN_VARIABLES]) {
    delete env[name];
  }
  Object.assign(env, extraEnv);
  if (target.address) env.TEMPORAL_ADDRESS = target.address;
  if (target.taskQueue) env.DEPLOY_TASK_QUEUE = target.taskQueue;
  if (target.configPath) env.DEPLOY_CONFIG = target.configPath;
  if (target.configPath === '') delete env.DEPLOY_CONFIG;
  const child = spawn(process.execPath, [target.executable ?? deployctlPath(), ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(target.cwd ? { cwd: target.cwd } : {}),
  });
  const result = new Promise<CliResult>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, result };
}

/** Runs the built deployctl to the end. */
export function deployctl(
  args: string[],
  target: Partial<CliTarget>,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<CliResult> {
  return startDeployctl(args, target, extraEnv).result;
}
