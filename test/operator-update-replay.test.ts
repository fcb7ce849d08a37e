// A cancel update that arrives while a deployment's first task still runs its local activities (an issuer's keys slow
// to come, so the task is heartbeated): the deployment's history must replay. This shape replays; the history in
// test/fixtures/unreplayable, from chaos, has the same events so far and does not: what differs is not found yet.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { cancelDeploymentUpdate } from '../src/contract';
import {
  type Coordinator,
  environmentDocument,
  runLog,
  startCoordinator,
  startDeployment,
} from './helpers/coordinator';
import { type LocalIssuer, startLocalIssuer } from './helpers/id-tokens';
import { replayFailures } from './helpers/replay';
import { startServer } from './helpers/server';

let env: TestWorkflowEnvironment;
let coordinator: Coordinator;
let issuer: LocalIssuer;
let answer = false;
const slow = createServer((_request, response) => {
  // Unanswered (jose gives up after 5 s, and the local activity retries) until the test lets it answer.
  if (!answer) return;
  response.setHeader('content-type', 'application/json');
  response.end(JSON.stringify(issuer.jwks));
});

beforeAll(async () => {
  issuer = await startLocalIssuer();
  await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
  const jwksUri = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/jwks`;
  env = await startServer();
  coordinator = await startCoordinator(
    env,
    { ops: environmentDocument(runLog()) },
    { config: { identity: { issuers: [{ issuer: issuer.issuer, jwksUri }] } } },
  );
}, 60_000);
afterAll(async () => {
  await coordinator?.stop();
  await env?.teardown();
  slow.closeAllConnections();
  slow.close();
  await issuer?.close();
});

test('a cancel update during the first task’s local activities leaves a history that replays', async () => {
  const handle = await startDeployment(env, coordinator.taskQueue, {
    environment: 'ops',
    correlationId: 'early-cancel',
    idToken: await issuer.sign(),
  });
  await new Promise((resolve) => setTimeout(resolve, 4_000));
  const cancelled = handle.executeUpdate(cancelDeploymentUpdate, { args: [{ reason: 'early', by: 'ana' }] });
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  answer = true;
  await cancelled.catch(() => undefined);
  await handle.result().catch(() => undefined);
  expect(await replayFailures(env.client, [handle.workflowId])).toEqual([]);
}, 120_000);
