import { ApplicationFailure } from '@temporalio/activity';
import type { DeployConfig } from '../config/deploy-config';
import type { EnvironmentSettings } from '../contract/settings';
import { FAILURE } from '../contract';
import { present } from '../domain/present';

export interface ResolveEnvironmentInput {
  environment: string;
  stackName?: string;
}

/** Reads the environment's settings from the worker's config once; the workflow history keeps the answer. */
export function createResolveEnvironment(config: DeployConfig, slackEnabled: boolean) {
  return async function resolveEnvironment({
    environment,
    stackName,
  }: ResolveEnvironmentInput): Promise<EnvironmentSettings> {
    const settings = config.environments[environment];
    if (!settings) {
      const known = Object.keys(config.environments).join(', ') || 'none';
      throw ApplicationFailure.nonRetryable(
        `unknown environment ${JSON.stringify(environment)} (the worker's config has: ${known})`,
        FAILURE.unknownEnvironment,
      );
    }
    const notifyTo = slackEnabled && settings.slackChannel !== undefined ? 'slack' : 'log';
    return { ...settings, notifyTo, ...present({ stackName }) };
  };
}
