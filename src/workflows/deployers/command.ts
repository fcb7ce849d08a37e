// The command deployer: the environment's deploy command, run once on a worker under the process supervisor.
import type { CommandDeploySettings } from '../../contract';
import { present } from '../../domain/present';
import { deployCommandCalls } from '../activity-options';
import type { Deployer } from './deployer';

export const commandDeployer: Deployer<CommandDeploySettings> = {
  requestProblem: (input, environment) =>
    input.assembly === undefined
      ? undefined
      : `environment ${environment} deploys with a command, not a cloud assembly: leave out --assembly`,

  async deploy(settings, deploy, input, session) {
    await deployCommandCalls(settings).runDeployCommand({
      session,
      command: deploy.command,
      ...present({ cwd: deploy.cwd }),
      killGracePeriodMs: deploy.killGracePeriodMs,
      environment: {
        CORRELATION_ID: input.correlationId,
        DEPLOY_ENVIRONMENT: settings.environment,
        STACK_NAME: settings.stackName,
        DEPLOY_REF: input.ref ?? '',
      },
    });
    return {};
  },
};
