import type { WebClient } from '@slack/web-api';
import type { Client } from '@temporalio/client';
import type { DeployConfig } from '../config/deploy-config';
import type { DrainSignals } from '../process/drain';
import { createCdkActivities } from './cdk';
import { awsCloudFormationFor, type CloudFormationFor, createCloudFormationActivities } from './cloudformation';
import { createRunDeployCommand } from './command';
import { createResolveEnvironment } from './environment';
import { createAuthorizeOperator, createResolveRequest } from './admission';
import { IdTokenVerifier } from '../identity/id-token-verifier';
import { createSpendToken } from '../identity/spent-tokens';
import { EnvironmentRoles } from '../identity/aws-roles';
import { CredentialsEndpoint } from '../identity/credentials-endpoint';
import { createFreezeActivities } from './freezes';
import { createAlarmActivities } from './alarms';
import { createQueueBakeRollback } from './bake-rollback';
import { createIsDeploymentOpen } from './liveness';
import { createReleaseTurn, createRequestTurn } from './lock';
import { createNotifyDeployment } from './notify';
import type { GitHubClients } from './github-client';
import { createReportGitHubDeployment } from './github-deployments';
import { createCheckPromotion } from './promotion';

export interface ActivityDeps {
  client: Client;
  config: DeployConfig;
  taskQueue: string;
  /** Without a client, notifications go to the worker log. */
  slack?: WebClient;
  /** Without clients (no GitHub credentials), no deployment shows on GitHub. */
  github?: GitHubClients;
  /** CloudFormation per region and endpoint; the AWS SDK unless a test drives a scripted one. */
  cloudFormationFor?: CloudFormationFor;
  /** The worker's drain (its process handles SIGTERM); absent for workers that tests start in-process. */
  drain?: DrainSignals;
}

export function createActivities({ client, config, taskQueue, slack, github, cloudFormationFor, drain }: ActivityDeps) {
  const roles = Object.keys(config.awsRoles).length > 0 ? new EnvironmentRoles(config.awsRoles) : undefined;
  const cloudFormation = cloudFormationFor ?? awsCloudFormationFor(roles);
  // One endpoint for the worker: every step of every environment with a role gets its credentials from it.
  const roleCredentials = roles ? { roles, endpoint: new CredentialsEndpoint() } : undefined;
  const resolveEnvironment = createResolveEnvironment(config, slack !== undefined, github !== undefined);
  const identity = {
    config,
    verifier: config.issuers ? new IdTokenVerifier(config.issuers) : undefined,
    spendToken: createSpendToken(client, taskQueue),
  };
  const authorizeOperator = createAuthorizeOperator(identity);
  return {
    resolveEnvironment,
    resolveRequest: createResolveRequest({ ...identity, resolveEnvironment }),
    authorizeOperator,
    requestTurn: createRequestTurn(client, taskQueue),
    releaseTurn: createReleaseTurn(client),
    isDeploymentOpen: createIsDeploymentOpen(client),
    runDeployCommand: createRunDeployCommand(client, drain, roleCredentials),
    notifyDeployment: createNotifyDeployment(slack, config, client),
    reportGitHubDeployment: createReportGitHubDeployment(github),
    checkPromotion: createCheckPromotion(client),
    queueBakeRollback: createQueueBakeRollback(client, taskQueue),
    ...createFreezeActivities({ client, config, taskQueue, slack, authorizeOperator }),
    ...createCloudFormationActivities(cloudFormation),
    ...createAlarmActivities(roles),
    ...createCdkActivities(cloudFormation, client, drain, roleCredentials),
  };
}

export type Activities = ReturnType<typeof createActivities>;
