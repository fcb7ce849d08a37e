// Dispatches the deploy step to the deployer an environment names.
import type { DeploymentInput, DeploySettings, EnvironmentSettings } from '../contract';
import { cdkDeployer } from './deployers/cdk';
import { commandDeployer } from './deployers/command';
import type { Deployer, DeployStepOutcome } from './deployers/deployer';

export type { DeployStepOutcome };

const DEPLOYERS: { [K in DeploySettings['type']]: Deployer<Extract<DeploySettings, { type: K }>> } = {
  command: commandDeployer,
  cdk: cdkDeployer,
};

/** The deployer of an environment's deploy kind. */
export function deployerFor(settings: EnvironmentSettings): Deployer {
  return DEPLOYERS[settings.deploy.type] as Deployer;
}

export function runDeployStep(settings: EnvironmentSettings, input: DeploymentInput): Promise<DeployStepOutcome> {
  return deployerFor(settings).deploy(settings, settings.deploy, input);
}
