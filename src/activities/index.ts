import type { Client } from '@temporalio/client';
import type { DeployConfig } from '../config';
import { runDeployCommand } from './command';
import { createResolveEnvironment } from './environment';
import { createIsDeploymentOpen } from './liveness';
import { createRequestTurn } from './lock';

export interface ActivityDeps {
  client: Client;
  config: DeployConfig;
  taskQueue: string;
}

export function createActivities({ client, config, taskQueue }: ActivityDeps) {
  return {
    resolveEnvironment: createResolveEnvironment(config),
    requestTurn: createRequestTurn(client, taskQueue),
    isDeploymentOpen: createIsDeploymentOpen(client),
    runDeployCommand,
  };
}

export type Activities = ReturnType<typeof createActivities>;
