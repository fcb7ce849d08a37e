// The GitHub Action: requests a deployment like `deployctl deploy` (mode: deploy) or `deployctl run` (mode: run, the
// `run` input's shell command run here on the runner when the turn comes), groups its progress in the log, writes the
// step's outputs and a job summary, and fails the step, with an annotation, unless the deployment succeeded.
// Bundled into bundle/action.js (npm run bundle): GitHub runs it with Node alone.
import * as core from '@actions/core';
import { type DeploymentResult, type DeploymentState, type Priority, stateQuery } from '../contract';
import { formatDuration } from '../domain/durations';
import { outcomeLine } from '../domain/outcome';
import { present } from '../domain/present';
import { resultOf } from '../domain/result';
import {
  ciRunUrl,
  deploymentRequest,
  type RequestOptions,
  type Requested,
  withRequestedDeployment,
} from '../client/deployment-request';
import { EXIT, exitCodeFor, usageError } from '../client/exit-codes';
import { follow, waitUntilQueued } from '../client/follow';
import { checkName } from '../client/inputs';
import { pickPromotion } from '../client/promotion-pick';
import { checkCommand } from '../client/runner-command';
import { runOnRunner } from '../client/runner-session';
import { interruptedFollowing, runnerStoppedExitCode, runnerStoppedLine } from '../client/stopped-following';

const optional = (name: string) => core.getInput(name) || undefined;

/** The action's inputs as deployctl's options; connection inputs go where the Temporal client reads them. */
interface ActionInputs extends RequestOptions {
  detach: boolean;
  /** Promote: deploy the ref that last succeeded in this environment (or check the ref input). */
  promoteFrom?: string;
  /** mode: run: the command, as GitHub runs a `run` step (bash, errexit and pipefail). */
  runCommand?: [string, ...string[]];
}

/** mode and run: a runner-side deploy runs `run` with bash as GitHub's own run steps do. */
function readMode(): [string, ...string[]] | undefined {
  const mode = optional('mode') ?? 'deploy';
  const script = optional('run');
  if (mode !== 'deploy' && mode !== 'run') {
    throw usageError(`invalid mode ${JSON.stringify(mode)}: use deploy or run`);
  }
  if (mode === 'deploy') {
    if (script) throw usageError('the run input needs mode: run (mode: deploy deploys on the worker)');
    return undefined;
  }
  if (!script?.trim()) throw usageError('mode: run needs the run input: the deploy command to run here');
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
    throw usageError(`invalid priority ${JSON.stringify(priority)}: use normal or high`);
  }
  const { GITHUB_RUN_ID: runId, GITHUB_RUN_ATTEMPT: attempt, GITHUB_SHA: sha } = process.env;
  const correlationId = optional('correlation-id') ?? (runId ? `deploy-${runId}-${attempt ?? '1'}` : undefined);
  const promoteFrom = optional('promote-from');
  if (promoteFrom !== undefined) checkName('environment', promoteFrom);
  // Promoting, the ref is what succeeded upstream unless one is named.
  const ref = optional('ref') ?? (promoteFrom === undefined ? sha : undefined);
  const stack = optional('stack');
  const assembly = optional('assembly');
  const waitTimeout = optional('wait-timeout');
  const config = optional('config');
  const overrideReason = optional('override-freeze');
  const at = optional('at');
  const audience = optional('audience');
  const commitTime = optional('commit-time');
  const githubRepository = optional('github-repository');
  const runCommand = readMode();
  if (runCommand && assembly) throw usageError('mode: run takes no assembly (the command deploys)');
  if (runCommand && promoteFrom) throw usageError('promote-from needs mode: deploy');
  if (runCommand && core.getBooleanInput('detach')) {
    throw usageError('mode: run cannot detach: the command runs in this step when the turn comes');
  }
  return {
    env: core.getInput('environment', { required: true }),
    priority: priority as Priority,
    detach: core.getBooleanInput('detach'),
    ...present({ stack, correlationId, ref, assembly, waitTimeout, config, at, promoteFrom, audience, commitTime }),
    ...present({ githubRepository }),
    ...(overrideReason === undefined ? {} : { overrideFreeze: true, reason: overrideReason }),
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
    ...(result.promotedFrom
      ? [['Promoted from', result.promotedFrom.map((e) => `${e.environment} (${e.correlationId})`).join(', ')]]
      : []),
    ...(result.approvedBy ? [['Approved by', result.approvedBy.join(', ')]] : []),
    ...(result.rollbackOf ? [['Rollback to', result.rollbackOf]] : []),
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

async function run(): Promise<number> {
  const options = await promoted(readInputs());
  const request = deploymentRequest(options);
  const { correlationId } = request.input;
  // As deployctl: interrupts are watched from before the request, and the outcome's exit code is deployctl's.
  return withRequestedDeployment(request, core.info, (requested) => followToEnd(requested, options, correlationId));
}

/** promote-from: the ref (and assembly) picked upstream, as deployctl promote picks them. */
async function promoted(options: ActionInputs): Promise<ActionInputs> {
  if (options.promoteFrom === undefined) return options;
  const picked = await pickPromotion(
    options.promoteFrom,
    options.ref,
    present({ environment: options.env, assembly: options.assembly, config: options.config }),
  );
  core.info(`${options.env}: promoting ${picked.ref} from ${options.promoteFrom} (${picked.correlationId})`);
  return { ...options, ref: picked.ref, ...present({ assembly: options.assembly ?? picked.assembly }) };
}

async function followToEnd(
  { client, handle, link: url, interrupts }: Requested,
  options: ActionInputs,
  correlationId: string,
): Promise<number> {
  if (options.detach) {
    const state = await waitUntilQueued(handle);
    writeOutputs(resultOf(state), url);
    core.info(`${correlationId}: ${state.status}; follow it at ${url}`);
    return EXIT.ok;
  }
  core.startGroup(`Deploying ${correlationId} to ${options.env}: queue and progress`);
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
      if (outcome.kind !== 'ended') {
        if (outcome.kind === 'interrupted' && outcome.result) writeOutputs(outcome.result, url);
        core.setFailed(runnerStoppedLine(outcome, correlationId, url));
        return runnerStoppedExitCode(outcome);
      }
      followed = outcome;
    } else {
      const ended = await Promise.race([
        follow(client, handle, options.env, core.info),
        interrupts.interrupted.then((signal) => ({ signal })),
      ]);
      if ('signal' in ended) {
        // As deployctl deploy: a waiting deployment is withdrawn, a running one runs on.
        const code = await interruptedFollowing(handle, correlationId, ended.signal, options, core.info);
        core.setFailed(`${correlationId}: ${ended.signal}: the job was cancelled (${url})`);
        return code;
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
    const type = result.errorType ? ` (${result.errorType})` : '';
    // The annotation says why; the step fails with deployctl's exit code for the outcome, and no second message.
    core.error(`deployment ${result.correlationId} ${result.status}${why}`, {
      title: `Deployment to ${result.environment} ${result.status}${type}`,
    });
  }
  return exitCodeFor(result);
}

// A step that did not end well fails with 1, as core.setFailed does, whatever deployctl's exit code for the same end:
// the annotation says why, and the status output which outcome.
run()
  .then((code) => {
    process.exitCode = code === EXIT.ok ? 0 : 1;
  })
  .catch((err: unknown) => {
    // Bad input and an unusable server say what and where, as deployctl does.
    core.setFailed(err instanceof Error ? err.message : String(err));
  });
