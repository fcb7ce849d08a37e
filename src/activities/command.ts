import type { Client } from '@temporalio/client';
import type { DrainSignals } from '../process/drain';
import { present } from '../domain/present';
import type { DeploySession } from '../contract';
import { type RoleCredentials, roleStep } from './role-credentials';
import { runSupervised } from './supervised-process';

export interface RunDeployCommandInput {
  /** Who the step acts for (absent in histories from before 1.3): its environment's AWS role session, if any. */
  session?: DeploySession;
  /** argv: run without a shell, so nothing in it is interpreted. */
  command: string[];
  cwd?: string;
  /** Added to the worker's own environment (CORRELATION_ID, DEPLOY_ENVIRONMENT, STACK_NAME, DEPLOY_REF). */
  environment: Record<string, string>;
  killGracePeriodMs: number;
}

/** Runs the environment's deploy command under the process supervisor (see supervised-process.ts). */
export const createRunDeployCommand = (client: Client, drain?: DrainSignals, credentials?: RoleCredentials) =>
  async function runDeployCommand(input: RunDeployCommandInput): Promise<void> {
    const role = await roleStep(credentials, input.session);
    try {
      await runSupervised(
        {
          argv: input.command,
          ...present({ cwd: input.cwd }),
          ...role.process,
          environment: { ...input.environment, ...role.process.environment },
          killGracePeriodMs: input.killGracePeriodMs,
          what: 'deploy command',
          logFields: { correlationId: input.environment.CORRELATION_ID ?? '' },
        },
        client,
        drain,
      );
    } finally {
      role.revoke();
    }
  };
