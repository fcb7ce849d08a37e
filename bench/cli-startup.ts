// deployctl's start-up: how long `deployctl --help` and `deployctl queue` take from exec to exit, and how many
// modules they load. With BENCH_BASELINE_DEPLOYCTL (another build's bin/deployctl.js) both are measured, interleaved.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { median } from './stats';

const DEPLOYCTL = join(__dirname, '..', '..', 'bin', 'deployctl.js');
const SINGLE_FILE = join(__dirname, '..', '..', 'bundle', 'deployctl.js');
const COUNT_MODULES = "process.on('exit',()=>process.stderr.write('modules '+Object.keys(require.cache).length+'\\n'))";

interface Sample {
  ms: number;
  modules: number;
}

function runOnce(deployctl: string, args: string[], address: string): Sample {
  const started = process.hrtime.bigint();
  const result = spawnSync(
    process.execPath,
    ['-e', `${COUNT_MODULES};require(${JSON.stringify(deployctl)})`, 'deployctl', ...args],
    {
      env: { ...process.env, TEMPORAL_ADDRESS: address, DEPLOY_CONFIG: '' },
      encoding: 'utf8',
    },
  );
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const modules = Number(/modules (\d+)/.exec(result.stderr)?.[1] ?? Number.NaN);
  if (result.status !== 0) throw new Error(`deployctl ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return { ms, modules };
}

export interface CliStartup {
  command: string;
  build: 'this build' | 'single file' | 'baseline';
  medianMs: number;
  modules: number;
}

export function measureCliStartup(address: string, runs = 15): CliStartup[] {
  const builds: Array<[CliStartup['build'], string]> = [['this build', DEPLOYCTL]];
  // Copied alone into an empty directory, as a CI job that fetched it would run it.
  if (existsSync(SINGLE_FILE)) {
    const alone = join(mkdtempSync(join(tmpdir(), 'deployctl-alone-')), 'deployctl.js');
    copyFileSync(SINGLE_FILE, alone);
    builds.push(['single file', alone]);
  }
  const baseline = process.env.BENCH_BASELINE_DEPLOYCTL;
  if (baseline) builds.push(['baseline', baseline]);
  const commands = [['--help'], ['queue', '--env', 'bench-startup']];
  const samples = new Map<string, Sample[]>();
  for (let run = 0; run < runs; run++) {
    for (const [build, path] of builds) {
      for (const args of commands) {
        const key = `${build}\0${args.join(' ')}`;
        samples.set(key, [...(samples.get(key) ?? []), runOnce(path, args, address)]);
      }
    }
  }
  return [...samples.entries()].map(([key, values]) => {
    const [build, command] = key.split('\0') as [CliStartup['build'], string];
    return {
      command: `deployctl ${command}`,
      build,
      medianMs: median(values.map((v) => v.ms)),
      modules: values[0]!.modules,
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
    `${kib(statSync(SINGLE_FILE).size)}, ${kib(gzipped)} gzipped.\n\n`
  );
}

export function cliStartupReport(rows: CliStartup[], runs = 15): string {
  return `## deployctl start-up
From exec to exit, ${runs} runs each, interleaved, medians; \`queue\` asks the local dev server. Goal: under 250 ms.
${singleFileSize()}
| command | build | median | modules loaded |
|---|---|---|---|
${rows.map((r) => `| \`${r.command}\` | ${r.build} | ${r.medianMs.toFixed(0)} ms | ${r.modules} |`).join('\n')}
`;
}
