// deployctl run: a runner-side deploy. The request queues like any deployment; when its turn comes deployctl runs
// the command itself, here on the CI runner (see runner-session.ts), and reports as deploy does. The deployment does
// the rest as for any other (stack watch, clean-up, Slack) and gives the turn back.
import { formatDuration } from '../domain/durations';
import { notRunnable } from '../process/supervisor';
import { deploymentRequest, type RequestOptions, withRequestedDeployment } from './deployment-request';
import { EXIT, usageError } from './exit-codes';
import { exitCodeForInterrupt } from './interruption';
import { reportOutcome } from './report';
import { runOnRunner } from './runner-session';

export interface RunOptions extends Omit<RequestOptions, 'assembly' | 'runner'> {
  json?: boolean;
}

const say = (line: string) => process.stderr.write(`${line}\n`);

/** The command, checked before anything is requested: a runner that cannot run it must not take a turn. */
export function checkCommand(argv: string[]): [string, ...string[]] {
  const [program, ...args] = argv;
  if (program === undefined || program === '') throw usageError('give the deploy command to run after --');
  const problem = notRunnable(program, process.cwd(), process.env.PATH);
  if (problem !== undefined) {
    const why = problem === 'ENOENT' ? 'not found' : 'not executable';
    throw usageError(`cannot run ${JSON.stringify(program)}: ${why} (${problem})`);
  }
  return [program, ...args];
}

export async function runCommand(argv: string[], options: RunOptions): Promise<number> {
  const command = checkCommand(argv);
  const request = deploymentRequest({ ...options, runner: true });
  const { correlationId } = request.input;

  return withRequestedDeployment(request, say, async ({ client, handle, link, interrupts }) => {
    const outcome = await runOnRunner(client, handle, options.env, command, {
      say,
      // With --json, stdout carries the outcome alone.
      stdout: options.json ? process.stderr : process.stdout,
      stderr: process.stderr,
      interrupts,
    });
    switch (outcome.kind) {
      case 'ended':
        return reportOutcome(outcome.result, link, options.json);
      case 'interrupted': {
        const what = outcome.ranCommand ? 'stopped the command' : 'its command never ran';
        const then = outcome.result
          ? `the deployment ended ${outcome.result.status} and gave the turn back`
          : 'asked to cancel the deployment';
        say(`${correlationId}: ${outcome.signal}: ${what}; ${then}`);
        return exitCodeForInterrupt(outcome.signal);
      }
      case 'left':
        say(
          `${correlationId}: ${outcome.signal}: the command had ended; the deployment finishes without deployctl (${link})`,
        );
        return exitCodeForInterrupt(outcome.signal);
      case 'unreachable':
        say(
          `${correlationId}: could not reach Temporal for ${formatDuration(outcome.afterMs)}: stopped the command so ` +
            'that it cannot overlap the next deployment (the deployment will end as runner lost)',
        );
        return EXIT.unavailable;
    }
  });
}
