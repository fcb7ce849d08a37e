// The GitHub Action: requests a deployment like `deployctl deploy`, groups its progress in the log, writes the
// step's outputs and a job summary, and fails the step, with an annotation, unless the deployment succeeded.
// Bundled into bundle/action.js (npm run bundle): GitHub runs it with Node alone.
import * as core from '@actions/core';
import { webUiLink } from '../connection/temporal-target';
import { type DeploymentResult, type DeploymentState, type Priority, stateQuery } from '../contract';
import { formatDuration } from '../domain/durations';
import { outcomeLine } from '../domain/outcome';
import { resultOf } from '../domain/result';
import { connectOrExit } from '../cli/connect';
import { ciRunUrl, deploymentRequest, type RequestOptions, startOrAttach } from '../cli/deployment-request';
import { ExitError } from '../cli/exit-codes';
import { follow, waitUntilQueued } from '../cli/follow';

const optional = (name: string) => core.getInput(name) || undefined;

/** The action's inputs as deployctl's options; connection inputs go where the Temporal client reads them. */
function readInputs(): RequestOptions & { detach: boolean } {
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
    const { result, waitedBehind } = await follow(client, handle, options.env, core.info).finally(() =>
      core.endGroup(),
    );
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
    await close();
  }
}

run().catch((err: unknown) => {
  // Bad input and an unusable server say what and where, as deployctl does; the step fails either way.
  core.setFailed(err instanceof Error ? err.message : String(err));
});
