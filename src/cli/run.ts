// deployctl run: a runner-side deploy. The request queues like any deployment; when its turn comes deployctl runs
// the command itself, here on the CI runner (see runner-session.ts), and reports as deploy does. The deployment does
// the rest as for any other (stack watch, clean-up, Slack) and gives the turn back.
import { deploymentRequest, type RequestOptions, withRequestedDeployment } from '../client/deployment-request';
import { reportOutcome } from './report';
import { checkCommand } from '../client/runner-command';
import { runOnRunner } from '../client/runner-session';
import { runnerStoppedExitCode, runnerStoppedLine } from '../client/stopped-following';

export interface RunOptions extends Omit<RequestOptions, 'assembly' | 'runner'> {
  json?: boolean;
}

const say = (line: string) => process.stderr.write(`${line}\n`);

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
    if (outcome.kind === 'ended') return reportOutcome(outcome.result, link, options.json);
    say(runnerStoppedLine(outcome, correlationId, link));
    return runnerStoppedExitCode(outcome);
  });
}
