// The CDK side of the tests: the fixture app synthesized once per run, and `cdk bootstrap` against moto.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CDK_CLI, CDK_QUIET_ENV } from '../../src/cdk/cdk-cli';

const run = promisify(execFile);
const APP = join(__dirname, '..', 'fixtures', 'cdk-app', 'app.js');
// Nothing leaves this machine: no version check, telemetry or notices, and no instance metadata lookups.
const QUIET = { ...CDK_QUIET_ENV, AWS_EC2_METADATA_DISABLED: 'true' };

/**
 * Synthesizes the fixture app at APP_VERSION `version` with aws-cdk-lib, as `cdk synth` runs it (CDK_OUTDIR); returns
 * the assembly directory. Run directly rather than through the CLI, which would first ask AWS for a default account.
 */
export async function synthFixtureApp(version: string): Promise<string> {
  const out = join(mkdtempSync(join(tmpdir(), `cdk-assembly-${version}-`)), 'cdk.out');
  await run(process.execPath, [APP], { env: { ...process.env, CDK_OUTDIR: out, APP_VERSION: version } });
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
  await run(process.execPath, [CDK_CLI, 'bootstrap', 'aws://123456789012/us-east-1', '--no-notices', '--ci'], {
    env: { ...process.env, ...QUIET, ...awsEnv },
  });
}
