// The CDK side of the tests: the fixture app synthesized once per run, and `cdk bootstrap` against moto.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CDK = require.resolve('aws-cdk/bin/cdk');
const APP = join(__dirname, '..', 'fixtures', 'cdk-app', 'app.js');
const QUIET = { CDK_DISABLE_VERSION_CHECK: 'true', CDK_DISABLE_CLI_TELEMETRY: 'true' };

/** `cdk synth` of the fixture app at APP_VERSION `version`, as CI would run it; returns the assembly directory. */
export async function synthFixtureApp(version: string): Promise<string> {
  const out = join(mkdtempSync(join(tmpdir(), `cdk-assembly-${version}-`)), 'cdk.out');
  await run(process.execPath, [CDK, 'synth', '--app', `${process.execPath} ${APP}`, '-o', out, '-q', '--no-notices'], {
    env: { ...process.env, ...QUIET, APP_VERSION: version },
  });
  return out;
}

/** The assemblies global setup synthesized: v1 and v2 of the fixture app. */
export function fixtureAssembly(version: 'v1' | 'v2'): string {
  const dir = process.env[`CDK_ASSEMBLY_${version.toUpperCase()}`];
  if (!dir) throw new Error('the CDK fixture app was not synthesized (see test/global-setup.ts)');
  return dir;
}

/** `cdk bootstrap` of moto's account, as an operator does once per account and region. */
export async function bootstrap(awsEnv: Record<string, string>): Promise<void> {
  await run(process.execPath, [CDK, 'bootstrap', 'aws://123456789012/us-east-1', '--no-notices', '--ci'], {
    env: { ...process.env, ...QUIET, ...awsEnv },
  });
}
