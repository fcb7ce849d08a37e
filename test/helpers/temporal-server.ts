// A production Temporal server for tests: the binary scripts/ensure-temporal-server.sh builds from Go modules, on
// PostgreSQL, configured through the server's own embedded config template by the same environment variables that
// docker-compose.yml gives the temporalio/server image, on free ports of 127.0.0.1. Schemas and the namespace are
// set up by the compose file's own job scripts.
import { keepForDiagnosis } from './diagnosis';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import type { Postgres } from './postgres';
import { createServer } from 'node:net';

// (The repository's root, from test/helpers here or from dist/test/helpers when the benchmark runs it.)
const ROOT = [join(__dirname, '..', '..'), join(__dirname, '..', '..', '..')].find((dir) =>
  existsSync(join(dir, 'docker-compose.yml')),
)!;
const TOOLS = join(ROOT, '.tools', 'temporal-server');
const COMPOSE = join(ROOT, 'compose');

/** The server's binaries and SQL schemas; missing until scripts/ensure-temporal-server.sh has run. */
export function serverTools(): { bin: string; schemaDir: string } {
  const bin = join(TOOLS, 'bin');
  if (!existsSync(join(bin, 'temporal-server'))) {
    throw new Error('no Temporal server build: run bash scripts/ensure-temporal-server.sh (scripts/test.sh does)');
  }
  return { bin, schemaDir: join(TOOLS, 'schema', 'postgresql', 'v12') };
}

/** compose/setup-schema.sh against this PostgreSQL, as the compose file's temporal-schema job runs it. */
export function setUpSchemas(pg: Postgres): string {
  const { bin, schemaDir } = serverTools();
  return execFileSync('sh', [join(COMPOSE, 'setup-schema.sh')], {
    env: {
      ...process.env,
      PATH: `${bin}:${process.env.PATH ?? ''}`,
      SQL_HOST: pg.host,
      SQL_PORT: String(pg.port),
      SQL_USER: pg.user,
      SQL_PASSWORD: pg.password,
      SCHEMA_DIR: schemaDir,
    },
    stdio: 'pipe',
  }).toString();
}

/** compose/create-namespace.sh, as the compose file's temporal-namespace job runs it (with the Temporal CLI). */
export function createNamespace(address: string, namespace = 'default', env: NodeJS.ProcessEnv = {}): string {
  return execFileSync('sh', [join(COMPOSE, 'create-namespace.sh')], {
    env: {
      ...process.env,
      ...env,
      PATH: `${join(ROOT, '.tools', 'bin')}:${process.env.PATH ?? ''}`,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: namespace,
    },
    stdio: 'pipe',
  }).toString();
}

export interface TemporalServer {
  address: string;
  /** Stops the server (SIGTERM, SIGKILL after 10 s); its data stays in PostgreSQL. */
  stop(): Promise<void>;
  /** Starts it again on the same ports and database. */
  restart(): Promise<void>;
  output(): string;
}

const PORT_VARIABLES = [
  'FRONTEND_GRPC_PORT',
  'FRONTEND_MEMBERSHIP_PORT',
  'FRONTEND_HTTP_PORT',
  'INTERNAL_FRONTEND_HTTP_PORT',
  'MATCHING_GRPC_PORT',
  'MATCHING_MEMBERSHIP_PORT',
  'HISTORY_GRPC_PORT',
  'HISTORY_MEMBERSHIP_PORT',
  'WORKER_GRPC_PORT',
  'WORKER_MEMBERSHIP_PORT',
];

export interface ServerOptions {
  /** More of the image's variables (TLS: TEMPORAL_TLS_*). */
  env?: NodeJS.ProcessEnv;
  /** How a client reaches the frontend (TLS settings), for the readiness check. */
  tls?: ConnectionOptions['tls'];
}

export async function startTemporalServer(pg: Postgres, options: ServerOptions = {}): Promise<TemporalServer> {
  const { bin } = serverTools();
  const ports: Record<string, string> = {};
  // (The server records its membership ports in a smallint column: they must stay below 32768.)
  for (const name of PORT_VARIABLES) ports[name] = String(await freePortBelow(32_768));
  const address = `127.0.0.1:${ports.FRONTEND_GRPC_PORT}`;
  // What docker-compose.yml sets for the temporal service, with this host's database and ports.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    DB: 'postgres12',
    DB_PORT: String(pg.port),
    POSTGRES_USER: pg.user,
    POSTGRES_PWD: pg.password,
    POSTGRES_SEEDS: pg.host,
    BIND_ON_IP: '127.0.0.1',
    DYNAMIC_CONFIG_FILE_PATH: join(COMPOSE, 'dynamicconfig.yaml'),
    LOG_LEVEL: 'warn',
    ...ports,
    ...options.env,
  };
  let child: ChildProcess | undefined;
  let output = '';
  keepForDiagnosis(`temporal-server ${address}`, () => output);
  const start = async () => {
    const started = spawn(join(bin, 'temporal-server'), ['start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    started.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
    started.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
    await untilServing(address, options.tls, started, () => output);
  };
  await start();
  const stop = async () => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return { address, stop, restart: async () => (await stop(), await start()), output: () => output };
}

/** A port free on 127.0.0.1 in [20000, limit): tried at random, since the kernel's own picks are higher. */
async function freePortBelow(limit: number): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * (limit - 20_000));
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/** Waits until the frontend answers (its system info), or fails with the server's last output. */
async function untilServing(
  address: string,
  tls: ConnectionOptions['tls'],
  child: ChildProcess,
  output: () => string,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`temporal-server exited with ${child.exitCode}:\n${output().slice(-3000)}`);
    try {
      const connection = await Connection.connect({ address, tls, connectTimeout: 1000 });
      try {
        await connection.withDeadline(Date.now() + 2000, () => connection.workflowService.getSystemInfo({}));
        return;
      } finally {
        await connection.close();
      }
    } catch {
      if (Date.now() > deadline)
        throw new Error(`temporal-server did not serve at ${address} within 60 s:\n${output().slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
