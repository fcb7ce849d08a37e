import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporalExecutable } from './locate-temporal-cli';
import { SEARCH_ATTRIBUTES } from '../contract';

/**
 * Dev server settings for fast handoffs. The server's transfer queue polls at most 20 times a second by default,
 * which adds up to 50 ms to every hop of a handoff (release signal, lock task, grant signal, deployment task);
 * eager activity dispatch starts the deploy step with the workflow task that schedules it.
 * bench/results.md has the figures with and without.
 */
export const FAST_HANDOFF_ARGS = [
  '--dynamic-config-value',
  'history.transferProcessorMaxPollRPS=1000',
  '--dynamic-config-value',
  'system.enableActivityEagerExecution=true',
];

export interface DevServerOptions {
  dbFilename?: string;
  port?: number;
  uiPort?: number;
  extraArgs?: string[];
  /** Leave the server's own defaults (benchmarks compare both). */
  defaultTuning?: boolean;
  log?: { format: string; level: string };
}

/** A Temporal CLI dev server on 127.0.0.1 with the deployment search attributes registered. */
export function startDevServer(options: DevServerOptions = {}): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: temporalExecutable(),
      ip: '127.0.0.1',
      searchAttributes: [...SEARCH_ATTRIBUTES],
      ...(options.dbFilename ? { dbFilename: options.dbFilename } : {}),
      ...(options.port ? { port: options.port } : {}),
      ...(options.uiPort ? { ui: true, uiPort: options.uiPort } : {}),
      ...(options.log ? { log: options.log } : {}),
      extraArgs: [...(options.defaultTuning ? [] : FAST_HANDOFF_ARGS), ...(options.extraArgs ?? [])],
    },
  });
}
