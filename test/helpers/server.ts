import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporalExecutable } from '../../src/temporal-cli';
import { SEARCH_ATTRIBUTES } from '../../src/workflows/messages';

/** A real Temporal dev server on 127.0.0.1, one per test file. */
export function startServer(extraArgs: string[] = []): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: temporalExecutable(),
      ip: '127.0.0.1',
      searchAttributes: [...SEARCH_ATTRIBUTES],
      log: { format: 'json', level: 'error' },
      extraArgs,
    },
  });
}
