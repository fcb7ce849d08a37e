// What a deploy kind provides. A new kind is a file beside this one and a line in index.ts, plus its settings, config
// and activities: docs/architecture.md, "Adding a deployer kind", lists every file it touches.
import type { DeploymentInput, DeploySession, DeploySettings, EnvironmentSettings } from '../../contract';

export interface DeployStepOutcome {
  /** The stack already matched what was to be deployed. */
  noChanges?: boolean;
}

export interface Deployer<S extends DeploySettings = DeploySettings> {
  /** Why this request cannot be deployed this way (checked before queuing), or undefined when it can. */
  requestProblem(input: DeploymentInput, environment: string): string | undefined;
  /** The change set this kind prepares for a request, shown in the deployment's state (none for most kinds). */
  changeSet?(input: DeploymentInput): string;
  /** Runs the deploy step while the deployment holds the turn, for `session` (its AWS role session, if any). */
  deploy(
    settings: EnvironmentSettings,
    deploy: S,
    input: DeploymentInput,
    session: DeploySession,
  ): Promise<DeployStepOutcome>;
  /** Clean-up this kind needs when a deployment that held the turn does not succeed. */
  compensation?: { what: string; run(settings: EnvironmentSettings, input: DeploymentInput): Promise<unknown> };
}
