// npm run chaos -- [--seconds N] [--seed S]: one chaos run, as long as asked, with its report; exit 1 on a violation.
import { Command, InvalidArgumentError } from 'commander';
import { runChaos } from './run-chaos';

const whole = (name: string, min: number) => (value: string) => {
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || parsed < min) throw new InvalidArgumentError(`${name} must be a whole number ≥ ${min}`);
  return parsed;
};

const program = new Command('chaos')
  .description('requests and faults at random, from a seed, against the real coordinator; then the invariants')
  .option('--seconds <n>', 'how long the schedule runs', whole('--seconds', 10), 60)
  .option('--seed <n>', 'the schedule (default: a new one, printed)', whole('--seed', 0))
  .option('--workers <n>', 'worker processes', whole('--workers', 1), 2)
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 64));

program.parse(process.argv);
const options = program.opts<{ seconds: number; seed?: number; workers: number }>();
const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);

runChaos({
  seed,
  seconds: options.seconds,
  workers: options.workers,
  say: (line) => process.stderr.write(`${line}\n`),
}).then(
  (report) => {
    process.stdout.write(`${report.summary}\n`);
    process.exit(report.verdict.violations.length === 0 ? 0 : 1);
  },
  (err: unknown) => {
    process.stderr.write(`chaos run ${seed} could not finish: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
