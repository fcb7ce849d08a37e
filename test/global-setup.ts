import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

// Bundling the workflows takes seconds: do it once for every test file.
export default async function globalSetup(): Promise<void> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../src/workflows'),
    logger: {
      info: () => undefined,
      warn: console.warn,
      error: console.error,
      debug: () => undefined,
      trace: () => undefined,
      log: () => undefined,
    },
  });
  const path = join(mkdtempSync(join(tmpdir(), 'deploy-bundle-')), 'workflows.js');
  writeFileSync(path, code);
  process.env.WORKFLOW_BUNDLE_PATH = path;
}
