// The GitHub Action: requests a deployment like `deployctl deploy` (mode: deploy) or `deployctl run` (mode: run, the
// `run` input's shell command run here on the runner when the turn comes), groups its progress in the log, writes the
// step's outputs and a job summary, and fails the step, with an annotation, unless the deployment succeeded.
// Bundled into bundle/action.js (npm run bundle): GitHub runs it with Node alone.
import * as core from '@actions/core';
import { webUiLink } from '../connection/temporal-target';
import { type DeploymentResult, type DeploymentState, type Priority, stateQuery } from '../contract';
import { formatDuration } from '../domain/durations';
import { outcomeLine } from '../domain/outcome';
import { resultOf } from '../domain/result';
import { connectOrExit } from '../cli/connect';
import { interruptedFollowing } from '../cli/deploy';
import { ciRunUrl, deploymentRequest, type RequestOptions, startOrAttach } from '../cli/deployment-request';
import { ExitError } from '../cli/exit-codes';
import { follow, waitUntilQueued } from '../cli/follow';
import { watchInterrupts } from '../cli/interruption';
import { checkCommand } from '../cli/run';
import { type RunnerOutcome, runOnRunner } from '../cli/runner-session';

const optional = (name: string) => core.getInput(name) || undefined;

/** The action's inputs as deployctl's options; connection inputs go where the Temporal client reads them. */
interface ActionInputs extends RequestOptions {
  detach: boolean;
  /** mode: run: the command, as GitHub runs a `run` step (bash, errexit and pipefail). */
  runCommand?: [string, ...string[]];
}

/** mode and run: a runner-side deploy runs `run` with bash as GitHub's own run steps do. */
function readMode(): [string, ...string[]] | undefined {
  const mode = optional('mode') ?? 'deploy';
  const script = optional('run');
  if (mode !== 'deploy' && mode !== 'run') {
    throw new ExitError(64, `invalid mode ${JSON.stringify(mode)}: use deploy or run`);
  }
  if (mode === 'deploy') {
    if (script) throw new ExitError(64, 'the run input needs mode: run (mode: deploy deploys on the worker)');
    return undefined;
  }
  if (!script?.trim()) throw new ExitError(64, 'mode: run needs the run input: the deploy command to run here');
  return checkCommand(['bash', '--noprofile', '--norc', '-eo', 'pipefail', '-c', script]);
}

function readInputs(): ActionInputs {
  const apiKey = optional('temporal-api-key');
  if (apiKey) {
    // Masked before anything could print it; the client reads it from the environment, never from an argument.
    core.setSecret(apiKey);
    process.env.TEMPORAL_API_KEY = apiKey;
  }
  for (const [input, variable] of [
    ['temporal-address', 'TEMPORAL_ADDRESS'],
    ['temporal-namespace', 'TEMPORAL_NAMESPACE'],
    ['temporal-ui-url', 'TEMPORAL_UI_URL'],
  ] as const) {
    const value = optional(input);
    if (value) process.env[variable] = value;
  }
  const priority = optional('priority') ?? 'normal';
  if (priority !== 'normal' && priority !== 'high') {
    throw new ExitError(64, `invalid priority ${JSON.stringify(priority)}: use normal or high`);
  }
  const { GITHUB_RUN_ID: runId, GITHUB_RUN_ATTEMPT: attempt, GITHUB_SHA: sha } = process.env;
  const correlationId = optional('correlation-id') ?? (runId ? `deploy-${runId}-${attempt ?? '1'}` : undefined);
  const ref = optional('ref') ?? sha;
  const stack = optional('stack');
  const assembly = optional('assembly');
  const waitTimeout = optional('wait-timeout');
  const config = optional('config');
  const runCommand = readMode();
  if (runCommand && assembly) throw new ExitError(64, 'mode: run takes no assembly (the command deploys)');
  if (runCommand && core.getBooleanInput('detach')) {
    throw new ExitError(64, 'mode: run cannot detach: the command runs in this step when the turn comes');
  }
  return {
    env: core.getInput('environment', { required: true }),
    priority: priority as Priority,
    detach: core.getBooleanInput('detach'),
    ...(stack ? { stack } : {}),
    ...(correlationId ? { correlationId } : {}),
    ...(ref ? { ref } : {}),
    ...(assembly ? { assembly } : {}),
    ...(waitTimeout ? { waitTimeout } : {}),
    ...(config ? { config } : {}),
    ...(runCommand ? { runCommand, runner: true } : {}),
  };
}

function writeOutputs(result: DeploymentResult, url: string): void {
  core.setOutput('status', result.status);
  core.setOutput('correlation-id', result.correlationId);
  core.setOutput('workflow-id', result.workflowId);
  core.setOutput('url', url);
  core.setOutput('queued-ms', result.queuedMs ?? '');
  core.setOutput('duration-ms', result.durationMs ?? '');
  core.setOutput('outputs', JSON.stringify(result.outputs ?? {}));
}

async function writeSummary(
  result: DeploymentResult,
  state: DeploymentState | undefined,
  waitedBehind: string[],
  url: string,
): Promise<void> {
  const ms = (value: number | null) => (value === null ? '-' : formatDuration(value));
  const rows = [
    ['Outcome', outcomeLine({ ...result, why: result.error })],
    ['Environment', result.environment],
    ['Stack', result.stackName ?? '-'],
    ['Queue wait', ms(result.queuedMs)],
    ['Waited behind', waitedBehind.join(', ') || 'nobody'],
    ['Duration', ms(result.durationMs)],
    ...(result.errorType ? [['Failure type', result.errorType]] : []),
  ];
  const summary = core.summary.addHeading(`Deployment ${result.correlationId}: ${result.status}`, 2).addTable([
    [
      { data: 'Deployment', header: true },
      { data: result.workflowId, header: true },
    ],
    ...rows,
  ]);
  // The stack events that matter: its first failure first, then the last event seen.
  const stack = state?.stack;
  const events = [
    ...(stack?.firstFailure
      ? [`First failure: ${stack.firstFailure.resource} ${stack.firstFailure.status}: ${stack.firstFailure.reason}`]
      : []),
    ...(stack?.lastEvent ? [`Last event: ${stack.lastEvent.resource} ${stack.lastEvent.status}`] : []),
    ...(stack ? [`Stack ${stack.status}: ${stack.done} resources done, ${stack.failed} failed`] : []),
  ];
  if (events.length > 0) summary.addHeading('Stack', 3).addList(events);
  const outputs = Object.entries(result.outputs ?? {});
  if (outputs.length > 0) {
    summary.addHeading('Outputs', 3).addTable([
      [
        { data: 'Output', header: true },
        { data: 'Value', header: true },
      ],
      ...outputs,
    ]);
  }
  const run = ciRunUrl();
  summary.addLink('Temporal Web UI', url);
  if (run) summary.addRaw(' · ').addLink('CI run', run);
  await summary.write();
}

async function run(): Promise<void> {
  const options = readInputs();
  const request = deploymentRequest(options);
  const interrupts = watchInterrupts();
  const { client, namespace, close } = await connectOrExit();
  try {
    const url = webUiLink(namespace, request.workflowId);
    const handle = await startOrAttach(client, request, core.info);
    if (options.detach) {
      const state = await waitUntilQueued(handle);
      writeOutputs(resultOf(state), url);
      core.info(`${request.input.correlationId}: ${state.status}; follow it at ${url}`);
      return;
    }
    core.startGroup(`Deploying ${request.input.correlationId} to ${options.env}: queue and progress`);
    let grouped = true;
    const endGroup = () => {
      if (grouped) core.endGroup();
      grouped = false;
    };
    let followed: { result: DeploymentResult; waitedBehind: string[] };
    try {
      if (options.runCommand) {
        const outcome = await runOnRunner(client, handle, options.env, options.runCommand, {
          say: core.info,
          stdout: process.stdout,
          stderr: process.stderr,
          interrupts,
          // The command's own output is the step's log, outside the group.
          onCommandStart: endGroup,
        });
        if (outcome.kind !== 'ended') return notEnded(outcome, request.input.correlationId, url);
        followed = outcome;
      } else {
        const ended = await Promise.race([
          follow(client, handle, options.env, core.info),
          interrupts.interrupted.then((signal) => ({ signal })),
        ]);
        if ('signal' in ended) {
          // As deployctl deploy: a waiting deployment is withdrawn, a running one runs on.
          const code = await interruptedFollowing(handle, request.input.correlationId, ended.signal, options);
          core.setFailed(`${request.input.correlationId}: ${ended.signal}: the job was cancelled (${url})`);
          process.exitCode = code;
          return;
        }
        followed = ended;
      }
    } finally {
      endGroup();
    }
    const { result, waitedBehind } = followed;
    const state = await handle.query(stateQuery).catch(() => undefined);
    writeOutputs(result, url);
    await writeSummary(result, state, waitedBehind, url);
    core.info(`${result.correlationId} ${outcomeLine({ ...result, why: result.error })}`);
    core.info(url);
    if (result.status !== 'succeeded') {
      const why = result.error ? `: ${result.error}` : '';
      core.error(`deployment ${result.correlationId} ${result.status}${why}`, {
        title: `Deployment to ${result.environment} ${result.status}${result.errorType ? ` (${result.errorType})` : ''}`,
      });
      // The annotation above says why; one is enough.
      process.exitCode = 1;
    }
  } finally {
    interrupts.stop();
    await close();
  }
}

/** A runner-side deploy the step could not see to its end: the job was cancelled, or Temporal went out of reach. */
function notEnded(outcome: Exclude<RunnerOutcome, { kind: 'ended' }>, id: string, url: string): void {
  if (outcome.kind === 'unreachable') {
    core.setFailed(
      `${id}: could not reach Temporal for ${formatDuration(outcome.afterMs)}: stopped the command so that it cannot ` +
        'overlap the next deployment (the deployment will end as runner lost)',
    );
    return;
  }
  if (outcome.kind === 'interrupted' && outcome.result) writeOutputs(outcome.result, url);
  const what =
    outcome.kind === 'left'
      ? 'the command had ended; the deployment finishes without this step'
      : `${outcome.ranCommand ? 'stopped the command' : 'its command never ran'}; ` +
        (outcome.result ? `the deployment ended ${outcome.result.status}` : 'asked to cancel the deployment');
  core.setFailed(`${id}: ${outcome.signal}: ${what} (${url})`);
}

run().catch((err: unknown) => {
  // Bad input and an unusable server say what and where, as deployctl does; the step fails either way.
  core.setFailed(err instanceof Error ? err.message : String(err));
});
