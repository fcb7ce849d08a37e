// How deploy and run end: the outcome on stdout (one JSON object with --json), the Web UI link, the exit code.
import type { DeploymentResult } from '../contract';
import { outcomeLine, outputLines } from '../domain/outcome';
import { exitCodeFor } from '../client/exit-codes';

/** Prints a deployment's outcome and returns the exit code it calls for. */
export function reportOutcome(result: DeploymentResult, link: string, json: boolean | undefined): number {
  if (json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.stderr.write(`${link}\n`);
  } else {
    const outcome = outcomeLine({ ...result, why: result.error });
    const outputs = outputLines(result.outputs).map((line) => `  ${line}\n`);
    process.stdout.write(`${result.correlationId} ${outcome}\n${outputs.join('')}${link}\n`);
  }
  return exitCodeFor(result);
}
