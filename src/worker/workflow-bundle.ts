// The workflow code as the worker runs it: the workflows and their interceptors in one bundle, built once at
// start-up, or ahead of time (`node dist/src/worker/workflow-bundle.js FILE`, then DEPLOY_WORKFLOW_BUNDLE=FILE for the
// worker; tests and the benchmark build it once for all their workers). Webpack's own report goes to debug.
import { writeFileSync } from 'node:fs';
import { type BundleOptions, bundleWorkflowCode, Runtime, type WorkflowBundle } from '@temporalio/worker';

type Logger = NonNullable<BundleOptions['logger']>;

const workflowsPath = require.resolve('../workflows');
const workflowInterceptorModules = [
  require.resolve('../workflows/log-attributes'),
  require.resolve('../workflows/workflow-task-guard'),
];

/** Where the bundle's modules are. */
export const WORKFLOW_BUNDLE_MODULES = {
  workflowsPath,
  workflowInterceptorModules,
  /**
   * Loaded once for all workflows instead of once for each (the SDK then freezes them): every module the workflows
   * load, the SDK's workflow library, croner and ours. Each cached workflow otherwise holds its own copy of every one
   * (about half of its memory). A module may therefore keep no state of a workflow's own: lint refuses a module-level
   * `let` here, and local-work.ts keeps its count on globalThis, which the SDK keeps per workflow (ADR 11).
   */
  preloadModules: [require.resolve('@temporalio/workflow'), workflowsPath, ...workflowInterceptorModules],
};

/** Bundles the workflows; `logger` defaults to the runtime's, with webpack's module-by-module report at debug. */
export function bundleWorkflows(logger?: Logger): Promise<WorkflowBundle> {
  return bundleWorkflowCode({ ...WORKFLOW_BUNDLE_MODULES, logger: logger ?? quietBundler(Runtime.instance().logger) });
}

function quietBundler(logger: Logger): Logger {
  return {
    log: (level, message, meta) => logger.log(level, message, meta),
    trace: (message, meta) => logger.trace(message, meta),
    debug: (message, meta) => logger.debug(message, meta),
    // The one line worth keeping says the bundle is ready; the rest is webpack's listing of modules.
    info: (message, meta) =>
      message.startsWith('Workflow bundle created') ? logger.info(message, meta) : logger.debug(message, meta),
    warn: (message, meta) => logger.warn(message, meta),
    error: (message, meta) => logger.error(message, meta),
  };
}

/** Writes the bundle to a file, for DEPLOY_WORKFLOW_BUNDLE. */
export async function writeWorkflowBundle(path: string, logger?: Logger): Promise<void> {
  const { code } = await bundleWorkflows(logger);
  writeFileSync(path, code);
}

if (require.main === module) {
  const [path] = process.argv.slice(2);
  if (path === undefined) {
    process.stderr.write('usage: node dist/src/worker/workflow-bundle.js FILE\n');
    process.exit(64);
  }
  writeWorkflowBundle(path).catch((err: unknown) => {
    process.stderr.write(`could not bundle the workflows: ${String(err)}\n`);
    process.exit(1);
  });
}
