// Whatever stands between deployctl and a usable Temporal namespace (nothing listening, a listener that never
// answers, a web server, an HTTP/2 server that is not Temporal, an unknown namespace), every subcommand exits 69
// within 20 s with one line naming the address and namespace: CI must never read it as a failed deployment (1).
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttp2Server } from 'node:http2';
import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { deployctl, writeConfig } from './helpers/cli';
import { environmentDocument, runLog } from './helpers/coordinator';
import { freePort } from './helpers/ports';
import { startServer } from './helpers/server';

const configPath = writeConfig({ staging: environmentDocument(runLog()) });
const subcommands: string[][] = [
  ['deploy', '--env', 'staging', '--correlation-id', 'never-started'],
  ['status', '--env', 'staging', 'never-started'],
  ['queue', '--env', 'staging'],
  ['cancel', '--env', 'staging', 'never-started'],
  ['force-release', '--env', 'staging', '--reason', 'check'],
];

let temporal: TestWorkflowEnvironment;
const closers: Array<() => void> = [];
const sockets: Socket[] = [];

async function listening(server: { listen: Server['listen']; once: Server['once'] }): Promise<string> {
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
  return `127.0.0.1:${port}`;
}

beforeAll(async () => {
  temporal = await startServer();
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  for (const close of closers) close();
  await temporal?.teardown();
});

const targets: Array<[string, () => Promise<{ address: string; namespace?: string }>]> = [
  ['a closed port', async () => ({ address: `127.0.0.1:${await freePort()}` })],
  [
    'a listener that never answers',
    async () => {
      const server = createTcpServer((socket) => sockets.push(socket));
      closers.push(() => server.close());
      return { address: await listening(server) };
    },
  ],
  [
    'a plain HTTP/1.1 server',
    async () => {
      const server = createHttpServer((_request, response) => response.end('hello'));
      closers.push(() => server.close());
      return { address: await listening(server) };
    },
  ],
  [
    'an HTTP/2 server that is not Temporal',
    async () => {
      const server = createHttp2Server((_request, response) => {
        response.writeHead(404, { 'content-type': 'text/plain' });
        response.end('not here');
      });
      server.on('session', (session) => closers.push(() => session.destroy()));
      closers.push(() => server.close());
      return { address: await listening(server) };
    },
  ],
  ['an unknown namespace', async () => ({ address: temporal.address, namespace: 'no-such-namespace' })],
];

// The targets side by side (each mostly waits out a connect deadline), their subcommands one at a time.
test.concurrent.each(targets)(
  `%s: ${subcommands.length === 1 ? 'deploy' : 'every subcommand'} exits 69 within 20 s naming address and namespace`,
  async (_, start) => {
    const { address, namespace = 'default' } = await start();
    const run = async (args: string[]) => {
      const startedAt = Date.now();
      const result = await deployctl(args, { address, configPath }, { TEMPORAL_NAMESPACE: namespace });
      return { args, ...result, tookMs: Date.now() - startedAt };
    };
    // One at a time: each one's time is its own, not its siblings' start-up on a loaded machine (one took 28 s
    // while five started at once beside the chaos test, and 23 s with two at a time).
    const results = [];
    for (const args of subcommands) results.push(await run(args));
    for (const result of results) {
      expect({ args: result.args, code: result.code }).toEqual({ args: result.args, code: 69 });
      expect(result.tookMs).toBeLessThan(20_000);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`cannot use Temporal at ${address} (namespace ${namespace})`);
    }
  },
  120_000,
);
