// What deploy checks beyond names: the config it checks requests against, the environment, the cloud assembly.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { assemblyProblem } from '../domain/assembly-location';
import { isCloudAssembly } from '../cdk/cloud-assembly';
import { ConfigError, type DeployConfig, DEFAULT_CONFIG_FILE, configPath, loadConfig } from '../config/deploy-config';
import { usageError } from './exit-codes';
import { checkName } from './inputs';

/**
 * The config deployctl checks requests against: --config, DEPLOY_CONFIG, or deploy.config.json when present.
 * Without any, the worker's config alone decides (the CLI may run far from the worker).
 */
export function loadCliConfig(explicit: string | undefined): DeployConfig | undefined {
  const named = explicit ?? process.env.DEPLOY_CONFIG;
  if (named === undefined && !existsSync(DEFAULT_CONFIG_FILE)) return undefined;
  try {
    return loadConfig(configPath(named));
  } catch (err) {
    if (err instanceof ConfigError) throw usageError(err.message);
    throw err;
  }
}

/**
 * --assembly: an S3 prefix, or a directory that holds a cloud assembly (made absolute: the worker must read the same
 * path, so directories suit a worker on the same host or a shared volume). With a config, it must fit the deployer.
 */
export function checkAssembly(
  config: DeployConfig | undefined,
  environment: string,
  assembly: string | undefined,
): string | undefined {
  const deployer = config?.environments[environment]?.deploy.type;
  if (assembly === undefined) {
    if (deployer === 'cdk') {
      throw usageError(`environment ${environment} deploys a CDK cloud assembly: give --assembly (cdk.out or s3://)`);
    }
    return undefined;
  }
  if (deployer === 'command') {
    throw usageError(`environment ${environment} deploys with a command, not a cloud assembly: leave out --assembly`);
  }
  const location = assembly.startsWith('s3://') ? assembly : resolve(assembly);
  const problem = assemblyProblem(location);
  if (problem !== undefined) throw usageError(problem);
  if (!location.startsWith('s3://') && !isCloudAssembly(location)) {
    throw usageError(
      `invalid assembly ${JSON.stringify(assembly)}: ${location} holds no manifest.json ` +
        '(give the cdk synth output directory)',
    );
  }
  return location;
}

/** deployctl deploy asks the worker to deploy: an environment configured `{"type": "runner"}` does not take that. */
export function checkDeploysOnWorker(config: DeployConfig | undefined, environment: string): void {
  if (config?.environments[environment]?.deploy.type === 'runner') {
    throw usageError(`environment ${environment} deploys on the CI runner only: use deployctl run`);
  }
}

export function checkEnvironment(config: DeployConfig | undefined, environment: string): void {
  checkName('environment', environment);
  if (config && !(environment in config.environments)) {
    const known = Object.keys(config.environments).join(', ') || 'none';
    throw usageError(`unknown environment ${JSON.stringify(environment)}: the config has ${known}`);
  }
}
