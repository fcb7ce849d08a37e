// deployctl's start-up: from exec to its first RPC (a local HTTP/2 listener notes when the request arrives), and from
// exec to exit for `--help` and for `queue` against the dev server; with the code cache warm (the first run writes
// it) and with it off (a fresh CI machine). With BENCH_BASELINE_DEPLOYCTL (another build's bin/deployctl.js) and
// BENCH_BASELINE_SINGLE_FILE (another build's bundle/deployctl.js) those are measured too, interleaved.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { createServer, constants as http2 } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { median } from './stats';

const DEPLOYCTL = join(__dirname, '..', '..', 'bin', 'deployctl.js');
const SINGLE_FILE = join(__dirname, '..', '..', 'bundle', 'deployctl.js');

type BuildName = 'this build' | 'single file' | 'baseline build' | 'baseline single file';

/** A deployctl to measure, and its code cache: on, off, or none (a build from before it had one). */
type Cache = 'yes' | 'off' | 'none';
interface Variant {
  build: BuildName;
  path: string;
  cache: Cache;
}

export interface CliStartup {
  build: BuildName;
  cache: Cache;
  helpMs: number;
  firstRpcMs: number;
  queueMs: number;
}

/**
 * Runs deployctl once; resolves with the milliseconds from spawn to exit, or, with `until`, stops it when that settles
 * (the listener saw its first request). This machine's NODE_EXTRA_CA_CERTS is left out: it costs every Node process
 * (about 90 ms here), deployctl or not.
 */
function runOnce(
  variant: Variant,
  args: string[],
  address: string,
  cacheHome: string,
  until?: Promise<unknown>,
): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_ADDRESS: address, DEPLOY_CONFIG: '' };
  delete env.NODE_EXTRA_CA_CERTS;
  env.XDG_CACHE_HOME = cacheHome;
  if (variant.cache === 'off') env.NODE_DISABLE_COMPILE_CACHE = '1';
  else delete env.NODE_DISABLE_COMPILE_CACHE;
  const started = performance.now();
  const child = spawn(process.execPath, [variant.path, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  // (Against the listener only its first request counts: deployctl is stopped there, not left to retry.)
  void until?.then(() => child.kill('SIGKILL'));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code === 0 || (until && signal === 'SIGKILL')) resolve(performance.now() - started);
      else reject(new Error(`deployctl ${args.join(' ')} exited ${code ?? signal}: ${stderr}`));
    });
  });
}

/** An HTTP/2 listener on loopback that notes when a request arrives and answers it UNAVAILABLE. */
async function firstRpcListener(): Promise<{ address: string; next: () => Promise<number>; close: () => void }> {
  let arrived: ((at: number) => void) | undefined;
  const server = createServer();
  server.on('stream', (stream) => {
    arrived?.(performance.now());
    arrived = undefined;
    // deployctl is killed at its first RPC: its end may reset the stream before the answer is written.
    stream.on('error', () => undefined);
    stream.respond({ [http2.HTTP2_HEADER_STATUS]: 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
    stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '14', 'grpc-message': 'bench' }));
    stream.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    next: () => new Promise((resolve) => (arrived = resolve)),
    close: () => server.close(),
  };
}

export async function measureCliStartup(address: string, runs = 15): Promise<CliStartup[]> {
  const builds: Array<[BuildName, string]> = [['this build', DEPLOYCTL]];
  // Copied alone into an empty directory, as a CI job that fetched it would run it.
  const alone = (path: string) => {
    const copy = join(mkdtempSync(join(tmpdir(), 'deployctl-alone-')), 'deployctl.js');
    copyFileSync(path, copy);
    return copy;
  };
  if (existsSync(SINGLE_FILE)) builds.push(['single file', alone(SINGLE_FILE)]);
  const baseline = process.env.BENCH_BASELINE_DEPLOYCTL;
  if (baseline) builds.push(['baseline build', baseline]);
  const baselineSingle = process.env.BENCH_BASELINE_SINGLE_FILE;
  if (baselineSingle) builds.push(['baseline single file', alone(baselineSingle)]);
  const variants: Variant[] = builds.flatMap(([build, path]): Variant[] =>
    build.startsWith('baseline')
      ? [{ build, path, cache: 'none' }]
      : [
          { build, path, cache: 'yes' },
          { build, path, cache: 'off' },
        ],
  );
  const cacheHome = mkdtempSync(join(tmpdir(), 'deployctl-cache-'));
  const listener = await firstRpcListener();
  const samples = new Map<Variant, { help: number[]; firstRpc: number[]; queue: number[] }>();
  try {
    // One warm-up run of each command writes the cache (when the build has one): not counted.
    for (const variant of variants) {
      await runOnce(variant, ['--help'], address, cacheHome);
      await runOnce(variant, ['queue', '--env', 'bench-startup'], address, cacheHome);
      samples.set(variant, { help: [], firstRpc: [], queue: [] });
    }
    for (let run = 0; run < runs; run++) {
      for (const variant of variants) {
        const sample = samples.get(variant)!;
        sample.help.push(await runOnce(variant, ['--help'], address, cacheHome));
        sample.queue.push(await runOnce(variant, ['queue', '--env', 'bench-startup'], address, cacheHome));
        const started = performance.now();
        const arrived = listener.next();
        await runOnce(variant, ['queue', '--env', 'bench-startup'], listener.address, cacheHome, arrived);
        sample.firstRpc.push((await arrived) - started);
      }
    }
  } finally {
    listener.close();
  }
  return variants.map((variant) => {
    const sample = samples.get(variant)!;
    return {
      build: variant.build,
      cache: variant.cache,
      helpMs: median(sample.help),
      firstRpcMs: median(sample.firstRpc),
      queueMs: median(sample.queue),
    };
  });
}

/** The single-file build's size on disk and gzipped (what a CI job downloads). */
function singleFileSize(): string {
  if (!existsSync(SINGLE_FILE)) return '';
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
  const gzipped = gzipSync(readFileSync(SINGLE_FILE)).length;
  return (
    'The single-file build (`bundle/deployctl.js`, run alone in an empty directory) is ' +
    `${kib(statSync(SINGLE_FILE).size)}, ${kib(gzipped)} gzipped.\n`
  );
}

export function cliStartupReport(rows: CliStartup[], runs = 15): string {
  const ms = (value: number) => `${value.toFixed(0)} ms`;
  return `## deployctl start-up
${runs} runs of each, interleaved, medians. First RPC: from exec until a local HTTP/2 listener receives deployctl
\`queue\`'s first request (goal: under 250 ms). \`--help\` and \`queue\` to exit: from exec to exit, \`queue\` asking
the local dev server (goal for \`--help\`: under 150 ms). With the code cache: as every run after the first on a
machine; without (\`NODE_DISABLE_COMPILE_CACHE=1\`): as the one run on a fresh CI machine. Run without this machine's
\`NODE_EXTRA_CA_CERTS\`, which adds about 90 ms to the start of every Node process.
${singleFileSize()}
| build | code cache | first RPC (\`queue\`) | \`--help\` to exit | \`queue\` to exit |
|---|---|---|---|---|
${rows.map((r) => `| ${r.build} | ${r.cache} | ${ms(r.firstRpcMs)} | ${ms(r.helpMs)} | ${ms(r.queueMs)} |`).join('\n')}
`;
}
