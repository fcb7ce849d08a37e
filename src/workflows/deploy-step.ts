// Dispatches the deploy step to the deployer an environment names. New deployers (CDK) plug in here.
import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { EnvironmentSettings } from '../settings';
import type { DeploymentInput } from './messages';

export async function runDeployStep(settings: EnvironmentSettings, input: DeploymentInput): Promise<void> {
  const deployer = proxyActivities<Activities>({
    startToCloseTimeout: settings.deployTimeoutMs,
    // A lost worker shows as a missed heartbeat well before the deploy timeout (older histories lack the setting).
    heartbeatTimeout: settings.deploy.heartbeatTimeoutMs ?? 30_000,
    // A deploy is not retried blindly: the first attempt may still be changing the stack.
    retry: { maximumAttempts: 1 },
    // Release the turn only once the deploy process is really gone.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
  const deploy = settings.deploy;
  switch (deploy.type) {
    case 'command':
      await deployer.runDeployCommand({
        command: deploy.command,
        ...(deploy.cwd === undefined ? {} : { cwd: deploy.cwd }),
        killGracePeriodMs: deploy.killGracePeriodMs,
        environment: {
          CORRELATION_ID: input.correlationId,
          DEPLOY_ENVIRONMENT: settings.environment,
          STACK_NAME: settings.stackName,
          DEPLOY_REF: input.ref ?? '',
        },
      });
      return;
  }
}
