import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflows } from '../src/workflow-bundle';
import { synthFixtureApp } from './helpers/cdk';

// Bundling the workflows and synthesizing the CDK fixture app take seconds: do both once for every test file.
export default async function globalSetup(): Promise<void> {
  const assemblies = Promise.all([synthFixtureApp('v1'), synthFixtureApp('v2')]);
  // The worker's own bundle, interceptors included.
  const { code } = await bundleWorkflows({
    info: () => undefined,
    warn: console.warn,
    error: console.error,
    debug: () => undefined,
    trace: () => undefined,
    log: () => undefined,
  });
  const path = join(mkdtempSync(join(tmpdir(), 'deploy-bundle-')), 'workflows.js');
  writeFileSync(path, code);
  process.env.WORKFLOW_BUNDLE_PATH = path;
  const [v1, v2] = await assemblies;
  process.env.CDK_ASSEMBLY_V1 = v1;
  process.env.CDK_ASSEMBLY_V2 = v2;
}
