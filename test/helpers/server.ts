import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startDevServer } from '../../src/worker/dev-server';

/** A real Temporal dev server on 127.0.0.1, one per test file. */
export function startServer(extraArgs: string[] = []): Promise<TestWorkflowEnvironment> {
  return startDevServer({ extraArgs, log: { format: 'json', level: 'error' } });
}
