// How much a worker keeps and runs at once: its workflow cache and its task slots, from the worker's environment.
import type { WorkerOptions } from '@temporalio/worker';

/** The settings, each with the environment variable that sets it. */
const SETTINGS = {
  maxCachedWorkflows: 'DEPLOY_WORKFLOW_CACHE_SIZE',
  maxConcurrentWorkflowTaskExecutions: 'DEPLOY_MAX_CONCURRENT_WORKFLOW_TASKS',
  maxConcurrentActivityTaskExecutions: 'DEPLOY_MAX_CONCURRENT_ACTIVITIES',
} as const;

export type WorkerTuning = Pick<WorkerOptions, keyof typeof SETTINGS>;

/**
 * The defaults: 150 workflows cached (the SDK's own default follows the heap's limit instead); docs/operating.md,
 * "Sizing a worker", has the memory measured. A workflow evicted from the cache is replayed from its history when it
 * next has work, which costs CPU, not correctness: since workflow modules load once (ADR 11), little. 1000
 * environments at once took no longer with 150 than with 500, for about 100 MiB less.
 */
export const DEFAULT_TUNING: Required<WorkerTuning> = {
  maxCachedWorkflows: 150,
  maxConcurrentWorkflowTaskExecutions: 40,
  maxConcurrentActivityTaskExecutions: 100,
};

/** The tuning the environment asks for, or why one of its values cannot be used. */
export function workerTuning(env: NodeJS.ProcessEnv): { tuning: Required<WorkerTuning> } | { problem: string } {
  const tuning = { ...DEFAULT_TUNING };
  for (const [option, variable] of Object.entries(SETTINGS) as Array<[keyof WorkerTuning, string]>) {
    const text = env[variable];
    if (text === undefined || text === '') continue;
    const value = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 2) {
      return { problem: `invalid ${variable} ${JSON.stringify(text)}: use a whole number of at least 2` };
    }
    tuning[option] = value;
  }
  return { tuning };
}
