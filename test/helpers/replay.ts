// Replays finished workflows' histories against the current workflow code: a determinism check for any test.
// RECORD_HISTORIES=NAME also writes them to test/fixtures/histories/NAME, where the replay test keeps replaying them
// against every later version of the workflows.
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { metricSinks } from '../../src/worker/metric-sink';
import { WORKFLOW_BUNDLE_MODULES } from '../../src/worker/workflow-bundle';

export const HISTORIES = join(__dirname, '..', 'fixtures', 'histories');

/** The worker's sinks, for a replay: never called while replaying, but a worker without them logs each as missing. */
export function replaySinks() {
  return metricSinks('replay', 'replay');
}

export function replayOptions() {
  const codePath = process.env.WORKFLOW_BUNDLE_PATH;
  const { workflowsPath, workflowInterceptorModules, preloadModules } = WORKFLOW_BUNDLE_MODULES;
  const sinks = replaySinks();
  return codePath
    ? { workflowBundle: { codePath }, sinks }
    : {
        workflowsPath,
        interceptors: { workflowModules: workflowInterceptorModules },
        bundlerOptions: { preloadModules },
        sinks,
      };
}

/** The replay failures of these workflows' histories, one line each; empty when all replay. */
export async function replayFailures(client: Client, workflowIds: string[]): Promise<string[]> {
  const histories = await Promise.all(
    workflowIds.map(async (workflowId) => ({
      workflowId,
      history: await client.workflow.getHandle(workflowId).fetchHistory(),
    })),
  );
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories(replayOptions(), histories)) {
    if (result.error) failures.push(`${result.workflowId}: ${String(result.error)}`);
  }
  await recordIfAsked(histories);
  return failures;
}

/** Every workflow on this server (a test file's own), locks still running included: what a file's last test replays. */
export async function allWorkflowIds(client: Client): Promise<string[]> {
  const ids: string[] = [];
  for await (const execution of client.workflow.list()) {
    ids.push(execution.workflowId);
  }
  return ids;
}

async function recordIfAsked(histories: Array<{ workflowId: string; history: unknown }>): Promise<void> {
  const recordAs = process.env.RECORD_HISTORIES;
  if (!recordAs) return;
  const folder = join(HISTORIES, recordAs);
  mkdirSync(folder, { recursive: true });
  for (const { workflowId, history } of histories) {
    // Paths of the recording machine are scrubbed, in stack traces and in base64 payloads, to paths that stay
    // absolute (a deployment's input is checked again on replay: an assembly must be an absolute path); so is its
    // name (deployctl run names its runner after the host).
    const scrub = (text: string) =>
      text
        .split(join(__dirname, '..', '..'))
        .join('/repo')
        .split(tmpdir())
        .join('/tmp')
        .split(`"runnerId":"${hostname()}/`)
        .join('"runnerId":"runner-host/');
    const json = JSON.parse(historyToJSON(history as Parameters<typeof historyToJSON>[0])) as unknown;
    const scrubbed = scrub(
      JSON.stringify(json).replace(/"data":"([A-Za-z0-9+/=]*)"/g, (_match, data: string) => {
        const text = scrub(Buffer.from(data, 'base64').toString('utf8'));
        return `"data":"${Buffer.from(text).toString('base64')}"`;
      }),
    );
    writeFileSync(join(folder, `${workflowId.replace(/\//g, '_')}.json`), `${scrubbed}\n`);
  }
}
