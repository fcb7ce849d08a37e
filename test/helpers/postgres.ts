// A throw-away PostgreSQL cluster for one test file: Debian's server binaries, a cluster in a temp dir on 127.0.0.1
// and a free port, a password user like docker-compose.yml's. PostgreSQL refuses to run as root: as root, the
// cluster is run by the `postgres` system user.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';

export interface Postgres {
  host: string;
  port: number;
  user: string;
  password: string;
  stop(): void;
}

/** The newest PostgreSQL server binaries Debian installed (/usr/lib/postgresql/<major>/bin), if any. */
export function postgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] === undefined ? undefined : join(root, majors[0], 'bin');
}

export async function startPostgres(): Promise<Postgres> {
  const bin = postgresBin();
  if (!bin)
    throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql (apt-get install postgresql)');
  const asRoot = userInfo().uid === 0;
  const run = (program: string, args: string[]) =>
    execFileSync(
      asRoot ? 'runuser' : join(bin, program),
      asRoot ? ['-u', 'postgres', '--', join(bin, program), ...args] : args,
      {
        stdio: 'pipe',
      },
    );
  const dir = mkdtempSync(join(tmpdir(), 'pg-'));
  const data = join(dir, 'data');
  const password = 'temporal-test';
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`);
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    for (const path of [dir, pwfile]) chownSync(path, uid, gid);
  }
  chmodSync(dir, 0o700);
  const port = await freePort();
  run('initdb', ['-D', data, '-U', 'temporal', `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8']);
  run('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'server.log'),
    '-o',
    `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c full_page_writes=off`,
    '-w',
    'start',
  ]);
  return {
    host: '127.0.0.1',
    port,
    user: 'temporal',
    password,
    stop: () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // Already gone.
      }
    },
  };
}
