import { ApplicationFailure } from '@temporalio/activity';
import type { DeployConfig } from '../config/deploy-config';
import type { EnvironmentSettings } from '../contract/settings';
import { FAILURE } from '../contract';
import { present } from '../domain/present';

export interface ResolveEnvironmentInput {
  environment: string;
  stackName?: string;
}

/**
 * Reads the environment's settings from the worker's config once; the workflow history keeps the answer. Where its
 * notices can go is the worker's to say: Slack needs a token, GitHub deployments need GitHub credentials.
 */
export function createResolveEnvironment(config: DeployConfig, slackEnabled: boolean, githubEnabled: boolean) {
  return async function resolveEnvironment({
    environment,
    stackName,
  }: ResolveEnvironmentInput): Promise<EnvironmentSettings> {
    const configured = config.environments[environment];
    if (!configured) {
      const known = Object.keys(config.environments).join(', ') || 'none';
      throw ApplicationFailure.nonRetryable(
        `unknown environment ${JSON.stringify(environment)} (the worker's config has: ${known})`,
        FAILURE.unknownEnvironment,
      );
    }
    const { github, ...settings } = configured;
    const notifyTo = slackEnabled && settings.slackChannel !== undefined ? 'slack' : 'log';
    return { ...settings, notifyTo, ...present({ stackName, github: githubEnabled ? github : undefined }) };
  };
}
