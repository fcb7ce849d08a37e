import type { WebClient } from '@slack/web-api';
import type { GitHubClients } from '../activities/github-client';
import type { Client } from '@temporalio/client';
import { type NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { CloudFormationFor } from '../activities/cloudformation';
import type { DeployConfig } from '../config/deploy-config';
import { present } from '../domain/present';
import type { DrainSignals } from '../process/drain';
import { deploymentLogAttributes } from '../activities/log-attributes';
import { metricSinks } from './metric-sink';
import { bundleWorkflows } from './workflow-bundle';
import { DEFAULT_TUNING, type WorkerTuning } from './tuning';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  client: Client;
  namespace: string;
  taskQueue: string;
  config: DeployConfig;
  slack?: WebClient;
  github?: GitHubClients;
  cloudFormationFor?: CloudFormationFor;
  /** A prebuilt workflow bundle (tests build one for all: workflow-bundle.ts); else it is bundled at start-up. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  interceptors?: WorkerOptions['interceptors'];
  /** The process's drain (worker.ts), and how long running deploy steps may finish once it drains. */
  drain?: DrainSignals;
  shutdownGraceMs?: number;
  /** The workflow cache and task slots (worker-tuning.ts); the defaults there otherwise. */
  tuning?: WorkerTuning;
}

export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowBundle: options.workflowBundle ?? (await bundleWorkflows()),
    activities: createActivities({
      client: options.client,
      config: options.config,
      taskQueue: options.taskQueue,
      ...present({
        slack: options.slack,
        github: options.github,
        cloudFormationFor: options.cloudFormationFor,
        drain: options.drain,
      }),
    }),
    ...present({ shutdownGraceTime: options.shutdownGraceMs }),
    ...DEFAULT_TUNING,
    ...options.tuning,
    // Deploy commands heartbeat every second; a short throttle lets a cancel reach them within seconds.
    maxHeartbeatThrottleInterval: '2s',
    sinks: metricSinks(options.namespace, options.taskQueue),
    interceptors: {
      ...options.interceptors,
      activity: [deploymentLogAttributes, ...(options.interceptors?.activity ?? [])],
    },
  });
}
