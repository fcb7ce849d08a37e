// The cdk deployer, split so that no retry can start a second update: prepare the change set named after the
// correlation ID (safe to repeat), then execute it once with the correlation ID as its token.
import type { CdkDeploySettings } from '../../contract';
import { changeSetName, requestToken } from '../../domain/cloudformation-names';
import { changeSetTarget } from '../../domain/stack-target';
import { changeSetCleanUp, executeCalls, prepareCalls } from '../activity-options';
import type { Deployer } from './deployer';

export const cdkDeployer: Deployer<CdkDeploySettings> = {
  requestProblem: (input, environment) =>
    input.assembly !== undefined
      ? undefined
      : `environment ${environment} deploys a CDK cloud assembly: give one (deployctl deploy --assembly)`,

  changeSet: (input) => changeSetName(input.correlationId),

  async deploy(settings, deploy, input, session) {
    const target = changeSetTarget(settings, input.correlationId);
    const prepared = await prepareCalls(settings).prepareChangeSet({
      ...target,
      session,
      // (requestProblem made sure there is one.)
      assembly: input.assembly ?? '',
      correlationId: input.correlationId,
      killGracePeriodMs: deploy.killGracePeriodMs,
    });
    if (prepared.changes === 'none') return { noChanges: true };
    // Compensation must see the execution either started or never to happen: it waits for the cancel to complete.
    await executeCalls(settings).executeChangeSet({ ...target, clientRequestToken: requestToken(input.correlationId) });
    return {};
  },

  compensation: {
    what: 'delete the change set',
    run: (settings, input) => changeSetCleanUp.discardChangeSet(changeSetTarget(settings, input.correlationId)),
  },
};
