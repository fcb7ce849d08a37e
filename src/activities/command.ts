import type { Client } from '@temporalio/client';
import type { DrainSignals } from '../process/drain';
import { present } from '../domain/present';
import { runSupervised } from './supervised-process';

export interface RunDeployCommandInput {
  /** argv: run without a shell, so nothing in it is interpreted. */
  command: string[];
  cwd?: string;
  /** Added to the worker's own environment (CORRELATION_ID, DEPLOY_ENVIRONMENT, STACK_NAME, DEPLOY_REF). */
  environment: Record<string, string>;
  killGracePeriodMs: number;
}

/** Runs the environment's deploy command under the process supervisor (see supervised-process.ts). */
export const createRunDeployCommand = (client: Client, drain?: DrainSignals) =>
  async function runDeployCommand(input: RunDeployCommandInput): Promise<void> {
    await runSupervised(
      {
        argv: input.command,
        ...present({ cwd: input.cwd }),
        environment: input.environment,
        killGracePeriodMs: input.killGracePeriodMs,
        what: 'deploy command',
        logFields: { correlationId: input.environment.CORRELATION_ID ?? '' },
      },
      client,
      drain,
    );
  };
