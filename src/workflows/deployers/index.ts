// Chooses the deployer of a deploy step: the runner's when deployctl run asked, else the one the environment names.
import type { DeploySettings, EnvironmentSettings } from '../../contract';
import { cdkDeployer } from './cdk';
import { commandDeployer } from './command';
import type { Deployer, DeployStepOutcome } from './deployer';
import { type RunnerLink, runnerDeployer, runnerOnlyDeployer } from './runner';

export type { DeployStepOutcome };

const DEPLOYERS: { [K in DeploySettings['type']]: Deployer<Extract<DeploySettings, { type: K }>> } = {
  command: commandDeployer,
  cdk: cdkDeployer,
  runner: runnerOnlyDeployer,
};

/** The deployer of a request: `runner` is the link of a deployment requested by deployctl run. */
export function deployerFor(settings: EnvironmentSettings, runner: RunnerLink | undefined): Deployer {
  return runner ? runnerDeployer(runner) : (DEPLOYERS[settings.deploy.type] as Deployer);
}
