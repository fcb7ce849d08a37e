import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeWorkflowBundle } from '../src/worker/workflow-bundle';
import { synthFixtureApp } from './helpers/cdk';
import { QUIET_BUNDLER } from './helpers/quiet-bundler';

// What every end-to-end file shares, done once a run: the environment its processes start with, the single-file
// deployctl, the workflow bundle and the CDK fixture app (bundling and synthesizing take seconds).
export default async function globalSetup(): Promise<void> {
  // Nothing a test starts reaches beyond loopback, so no process needs extra CA certificates; where the machine names
  // some, Node reads them at every start (about 0.1 s of CPU), and the tests start about a thousand Node processes.
  delete process.env.NODE_EXTRA_CA_CERTS;
  // Every end-to-end test runs deployctl as users download it: bundle/deployctl.js, copied alone into an empty
  // directory, so that nothing beside it (node_modules, dist) can be what makes it work. The built deployctl
  // (bin/deployctl.js) runs the same bytes: test/cli-deploy.test.ts checks that, and deploys through it once.
  const alone = join(mkdtempSync(join(tmpdir(), 'deployctl-alone-')), 'deployctl.js');
  copyFileSync(join(__dirname, '..', 'bundle', 'deployctl.js'), alone);
  process.env.DEPLOYCTL_UNDER_TEST = alone;
  const assemblies = Promise.all([synthFixtureApp('v1'), synthFixtureApp('v2')]);
  // The worker's own bundle, interceptors included.
  const path = join(mkdtempSync(join(tmpdir(), 'deploy-bundle-')), 'workflows.js');
  await writeWorkflowBundle(path, QUIET_BUNDLER);
  process.env.WORKFLOW_BUNDLE_PATH = path;
  const [v1, v2] = await assemblies;
  process.env.CDK_ASSEMBLY_V1 = v1;
  process.env.CDK_ASSEMBLY_V2 = v2;
}
