// Determinism guard: recorded histories of every kind of ending replay against the current workflow code.
// RECORD_HISTORIES=NAME npx jest test/replay.test.ts records today's histories into test/fixtures/histories/NAME,
// beside the earlier ones, which keep replaying (a change that breaks them needs a patch first: CONTRIBUTING.md).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { lockWorkflowId } from '../src/contract/names';
import { cancelDeploymentSignal, forceReleaseSignal } from '../src/contract';
import { environmentDocument, Holds, runLog, useCoordinator, waitForRun, outcome } from './helpers/coordinator';
import { allWorkflowIds, HISTORIES, replayFailures, replayOptions } from './helpers/replay';

const log = runLog();
const holds = new Holds();
const coordinator = useCoordinator({
  staging: environmentDocument(log, { lockWaitTimeout: '3s' }, 100, holds),
  preview: environmentDocument(log, { queueMode: 'supersede' }, 100, holds),
  broken: environmentDocument(log, { deploy: { type: 'command', command: ['false'] } }),
});

async function replayAll(histories: Array<{ workflowId: string; history: unknown }>) {
  const failures: string[] = [];
  const replayable = histories.map(({ workflowId, history }) => ({ workflowId, history: historyFromJSON(history) }));
  for await (const result of Worker.runReplayHistories(replayOptions(), replayable)) {
    if (result.error) failures.push(`${result.workflowId}: ${String(result.error)}`);
  }
  return failures;
}

/** Runs one deployment of each ending, so that their histories cover every branch of the workflows. */
async function runEveryEnding() {
  const start = (environment: string, correlationId: string) =>
    coordinator.deploy({ environment, correlationId, ref: 'abc123' });
  const running = (id: string) => waitForRun(log, id);

  holds.hold('holder');
  const holder = await start('staging', 'holder');
  await running('holder');
  const timedOut = await start('staging', 'timed-out');
  const cancelledWaiting = await start('staging', 'cancelled-waiting');
  await coordinator.queueWhen('staging', (view) => view.waiting.length === 2);
  await cancelledWaiting.signal(cancelDeploymentSignal, { reason: 'not needed' });
  expect(await outcome(timedOut)).toMatchObject({ status: 'timed-out' });
  await coordinator.env.client.workflow
    .getHandle(lockWorkflowId('staging'))
    .signal(forceReleaseSignal, { reason: 'replay' });
  expect(await outcome(holder)).toMatchObject({ status: 'revoked' });
  holds.release('holder');

  holds.hold('cancelled-running');
  const cancelledRunning = await start('staging', 'cancelled-running');
  await running('cancelled-running');
  await cancelledRunning.cancel();
  expect(await outcome(cancelledRunning)).toMatchObject({ status: 'cancelled' });
  holds.release('cancelled-running');

  holds.hold('p1');
  const p1 = await start('preview', 'p1');
  await running('p1');
  const p2 = await start('preview', 'p2');
  await coordinator.queueWhen('preview', (view) => view.waiting.length === 1);
  const p3 = await start('preview', 'p3');
  expect(await outcome(p2)).toMatchObject({ status: 'superseded' });
  holds.release('p1');
  expect(await outcome(p3)).toMatchObject({ status: 'succeeded' });
  expect(await outcome(p1)).toMatchObject({ status: 'succeeded' });

  expect(await outcome(await start('broken', 'failed'))).toMatchObject({ status: 'failed' });
  expect(await outcome(cancelledWaiting)).toMatchObject({ status: 'cancelled' });
}

test('histories recorded now replay deterministically', async () => {
  await runEveryEnding();
  const ids = await allWorkflowIds(coordinator.env.client);
  expect(ids.length).toBeGreaterThanOrEqual(9);
  expect(await replayFailures(coordinator.env.client, ids)).toEqual([]);
});

test('histories recorded by earlier versions still replay', async () => {
  const files = readdirSync(HISTORIES, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.json'));
  expect(files.length).toBeGreaterThanOrEqual(9);
  const histories = files.map((name) => ({
    workflowId: name.replace(/\.json$/, ''),
    history: JSON.parse(readFileSync(join(HISTORIES, name), 'utf8')) as unknown,
  }));
  expect(await replayAll(histories)).toEqual([]);
  // (About 200 histories, CPU-bound: under a minute beside most files, over 120 s beside the chaos test.)
}, 300_000);
