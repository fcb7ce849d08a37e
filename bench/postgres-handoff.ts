// The handoff against the production topology of docker-compose.yml, run natively: the Temporal server built from Go
// modules on a throw-away PostgreSQL cluster, configured as the compose file configures it (the tests' own helpers).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { ensureSearchAttributes } from '../src/worker/ensure-search-attributes';
import { postgresBin, startPostgres } from '../test/helpers/postgres';
import { createNamespace, serverTools, setUpSchemas, startTemporalServer } from '../test/helpers/temporal-server';
import { type HandoffResult, measureHandoff } from './handoff';

/** Undefined when the server has not been built (scripts/ensure-temporal-server.sh) or PostgreSQL is missing. */
export async function measurePostgresHandoff(
  deployments: number,
): Promise<(HandoffResult & { version: string; postgresVersion: string }) | undefined> {
  let bin: string;
  try {
    bin = serverTools().bin;
  } catch {
    return undefined;
  }
  const pgBin = postgresBin();
  if (!pgBin) return undefined;
  const pg = await startPostgres();
  try {
    setUpSchemas(pg);
    const temporal = await startTemporalServer(pg);
    try {
      createNamespace(temporal.address);
      const connection = await Connection.connect({ address: temporal.address });
      const nativeConnection = await NativeConnection.connect({ address: temporal.address });
      try {
        // A new namespace reaches the frontend's cache within seconds; until then it is "not found".
        for (let tries = 0; ; tries++) {
          try {
            await ensureSearchAttributes(connection, 'default');
            break;
          } catch (err) {
            if (tries >= 60) throw err;
            await new Promise((resolve) => setTimeout(resolve, 500));
          }
        }
        const server = { client: new Client({ connection }), nativeConnection, namespace: 'default' };
        // A warm-up round, not counted: new search attributes take a moment to reach every service of the server, and
        // until then a deployment's first workflow task fails and is retried.
        await measureHandoff(server, 5);
        const result = await measureHandoff(server, deployments);
        const version = /\d+\.\d+\.\d+/.exec(execFileSync(join(bin, 'temporal-server'), ['--version']).toString())?.[0];
        const postgresVersion = /\d+(\.\d+)?/.exec(
          execFileSync(join(pgBin, 'postgres'), ['--version']).toString(),
        )?.[0];
        return { ...result, version: version ?? 'unknown', postgresVersion: postgresVersion ?? 'unknown' };
      } finally {
        await nativeConnection.close();
        await connection.close();
      }
    } finally {
      await temporal.stop();
    }
  } finally {
    pg.stop();
  }
}
