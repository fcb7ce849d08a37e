// npm run bench:compare: this build against another one (BENCH_BASELINE_DIST, that build's dist/ folder), in one
// run and interleaved, so that a noisy machine weighs on both alike: handoff latency on the tuned dev server and the
// 50 × 10 fan-out, each build's own worker and workflows. Prints medians and ratios; writes nothing.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { median } from './stats';
import { QUIET_BUNDLER } from '../test/helpers/quiet-bundler';

interface Build {
  name: string;
  dist: string;
}

interface Measures {
  startDevServer: () => Promise<TestWorkflowEnvironment>;
  measureHandoff: (env: TestWorkflowEnvironment, deployments: number) => Promise<{ p50: number; p99: number }>;
  measureFanOut: (env: TestWorkflowEnvironment, round: number) => Promise<{ totalMs: number }>;
}

/** A build's fan-out: (env, environments, perEnvironment, round) before its worker loaded a prebuilt bundle. */
type OldFanOut = (
  env: TestWorkflowEnvironment,
  environments: number,
  perEnvironment: number,
  round: number,
) => Promise<{ totalMs: number }>;
type FanOut = (
  env: TestWorkflowEnvironment,
  bundle: string,
  options: { environments: number; perEnvironment: number; tag: string },
) => Promise<{ totalMs: number }>;

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const HANDOFFS = Number(process.env.BENCH_HANDOFFS ?? 151);
/** What to call the baseline in the table (a version or commit), not its path. */
const LABEL = process.env.BENCH_BASELINE_LABEL ?? 'baseline';

/** A build's own modules: its dev server (where it kept it), its handoff and fan-out measures. */
function load(build: Build): Measures {
  const devServer = ['src/worker/dev-server.js', 'src/server/dev-server.js', 'src/dev-server.js']
    .map((path) => join(build.dist, path))
    .find((path) => existsSync(path));
  if (!devServer) throw new Error(`${build.dist}: no dev server module: is it a built dist/ folder?`);
  /* eslint-disable @typescript-eslint/no-require-imports */
  return {
    startDevServer: (require(devServer) as { startDevServer: Measures['startDevServer'] }).startDevServer,
    measureHandoff: (require(join(build.dist, 'bench', 'handoff.js')) as Pick<Measures, 'measureHandoff'>)
      .measureHandoff,
    measureFanOut: async (env, round) => {
      const fanOut = (require(join(build.dist, 'bench', 'fan-out.js')) as { measureFanOut: OldFanOut | FanOut })
        .measureFanOut;
      if (fanOut.length !== 3) return (fanOut as OldFanOut)(env, 50, 10, round);
      const bundle = join(mkdtempSync(join(tmpdir(), 'bench-compare-')), 'workflows.js');
      const bundler = ['src/worker/workflow-bundle.js', 'src/workflow-bundle.js']
        .map((path) => join(build.dist, path))
        .find((path) => existsSync(path));
      const { writeWorkflowBundle } = require(bundler ?? '') as {
        writeWorkflowBundle: (path: string, logger?: unknown) => Promise<void>;
      };
      await writeWorkflowBundle(bundle, QUIET_BUNDLER);
      return (fanOut as FanOut)(env, bundle, { environments: 50, perEnvironment: 10, tag: `compare-${round}` });
    },
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}

async function main() {
  const baseline = process.env.BENCH_BASELINE_DIST;
  if (!baseline) {
    process.stderr.write(
      "BENCH_BASELINE_DIST must name another build's dist/ folder (npm run build in a checkout of it)\n",
    );
    process.exit(64);
  }
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const builds: Build[] = [
    { name: 'baseline', dist: baseline },
    { name: 'this build', dist: join(__dirname, '..') },
  ];
  const results = new Map(
    builds.map((build) => [build.name, { p50: [] as number[], p99: [] as number[], fanOut: [] as number[] }]),
  );
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which build goes first, so that neither always meets a warmer machine.
    for (const build of round % 2 === 0 ? builds : [...builds].reverse()) {
      const measures = load(build);
      const result = results.get(build.name)!;
      let env = await measures.startDevServer();
      const handoff = await measures.measureHandoff(env, HANDOFFS).finally(() => env.teardown());
      env = await measures.startDevServer();
      const fanOut = await measures.measureFanOut(env, round).finally(() => env.teardown());
      result.p50.push(handoff.p50);
      result.p99.push(handoff.p99);
      result.fanOut.push(fanOut.totalMs);
      process.stderr.write(
        `round ${round + 1} ${build.name}: ` +
          `handoff p50 ${handoff.p50.toFixed(1)} ms, p99 ${handoff.p99.toFixed(1)} ms; ` +
          `fan-out ${(fanOut.totalMs / 1000).toFixed(1)} s\n`,
      );
    }
  }
  const row = (name: string) => {
    const r = results.get(name)!;
    return { p50: median(r.p50), p99: median(r.p99), fanOut: median(r.fanOut) };
  };
  const [before, after] = [row('baseline'), row('this build')];
  const ratio = (key: 'p50' | 'p99' | 'fanOut') => (after[key] / before[key]).toFixed(2);
  console.log(`| build | handoff p50 | handoff p99 | 50 × 10 fan-out |
|---|---|---|---|
| ${LABEL} | ${before.p50.toFixed(1)} ms | ${before.p99.toFixed(1)} ms | ${(before.fanOut / 1000).toFixed(1)} s |
| this build | ${after.p50.toFixed(1)} ms | ${after.p99.toFixed(1)} ms | ${(after.fanOut / 1000).toFixed(1)} s |
| this ÷ baseline | ${ratio('p50')} | ${ratio('p99')} | ${ratio('fanOut')} |

${ROUNDS} rounds, interleaved; ${HANDOFFS} deployments queued for the handoffs; medians over rounds.`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
