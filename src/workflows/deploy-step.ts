// Dispatches the deploy step to the deployer an environment names.
import { ActivityCancellationType, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { changeSetName, requestToken } from '../domain/cloudformation-names';
import type { EnvironmentSettings } from '../contract/settings';
import type { DeploymentInput } from '../contract';
import { stackTarget } from './stack-watch';

export interface DeployStepOutcome {
  /** The stack already matched what was to be deployed. */
  noChanges?: boolean;
}

/** What a cdk deployment works on, for its compensation too. */
export function changeSetTarget(settings: EnvironmentSettings, correlationId: string) {
  return { ...stackTarget(settings), changeSetName: changeSetName(correlationId) };
}

/** Compensation of a cdk deployment: its change set, unless executed, is deleted. */
export async function discardChangeSet(settings: EnvironmentSettings, correlationId: string): Promise<boolean> {
  const cfn = proxyActivities<Activities>({
    startToCloseTimeout: '5m',
    heartbeatTimeout: '1m',
    retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10 },
  });
  return cfn.discardChangeSet(changeSetTarget(settings, correlationId));
}

export async function runDeployStep(settings: EnvironmentSettings, input: DeploymentInput): Promise<DeployStepOutcome> {
  const heartbeatTimeout = settings.deploy.heartbeatTimeoutMs ?? 30_000;
  const deployer = proxyActivities<Activities>({
    startToCloseTimeout: settings.deployTimeoutMs,
    // A lost worker shows as a missed heartbeat well before the deploy timeout (older histories lack the setting).
    heartbeatTimeout,
    // A deploy command is not retried blindly: the first attempt may still be changing the stack.
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
      return {};
    case 'cdk': {
      // (The deployment checked this before queuing.)
      if (input.assembly === undefined) throw ApplicationFailure.nonRetryable('no cloud assembly', 'NoAssembly');
      const target = changeSetTarget(settings, input.correlationId);
      // Preparing creates no update, so a lost worker's attempt is simply prepared again by another.
      const prepare = proxyActivities<Activities>({
        startToCloseTimeout: settings.deployTimeoutMs,
        heartbeatTimeout,
        retry: { maximumAttempts: 3, initialInterval: '2s', nonRetryableErrorTypes: ['BadAssembly'] },
        cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      });
      const prepared = await prepare.prepareChangeSet({
        ...target,
        assembly: input.assembly,
        correlationId: input.correlationId,
        killGracePeriodMs: deploy.killGracePeriodMs,
      });
      if (prepared.changes === 'none') return { noChanges: true };
      // Executing is retried until it is known to have happened, never twice: see executeChangeSet.
      const execute = proxyActivities<Activities>({
        startToCloseTimeout: '5m',
        heartbeatTimeout,
        retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m' },
        // Compensation must see the execution either started or never to happen.
        cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
      });
      await execute.executeChangeSet({ ...target, clientRequestToken: requestToken(input.correlationId) });
      return {};
    }
  }
}
