// What each kind of notice looks like in Slack (pure rendering; delivery is tested against a local Slack API).
import { formatDuration } from '../../src/domain/durations';
import { renderDeploymentMessage } from '../../src/notices/slack-message';
import type { DeploymentNotice, DeploymentStatus } from '../../src/contract';

const deployment = {
  workflowId: 'deploy/production/deploy-1',
  environment: 'production',
  correlationId: 'deploy-1',
  stackName: 'CourtCaseManagementStack',
  ref: 'a1b2c3d',
  priority: 'normal' as const,
  status: 'deploying' as DeploymentStatus,
  requestedAt: 1_000_000,
  startedAt: 1_060_000,
  ciRunUrl: 'https://ci.example/runs/42',
};
const webUiUrl = 'http://localhost:8233/namespaces/default/workflows/deploy%2Fproduction%2Fdeploy-1';
const render = (notice: Partial<DeploymentNotice> & { kind: DeploymentNotice['kind'] }, status?: DeploymentStatus) =>
  renderDeploymentMessage(
    { deployment: { ...deployment, ...(status ? { status, finishedAt: 1_060_000 + 4_500_000 } : {}) }, ...notice },
    { webUiUrl },
  );

test.each([
  ['succeeded', ':white_check_mark: Succeeded', 'Succeeded in 1h 15m'],
  ['failed', ':x: Failed', 'Failed in 1h 15m: boom'],
  ['cancelled', ':no_entry_sign: Cancelled', 'Cancelled in 1h 15m: boom'],
  ['superseded', ':fast_forward: Superseded', 'Superseded in 1h 15m: boom'],
  ['revoked', ':octagonal_sign: Revoked (force-released)', 'Revoked (force-released) in 1h 15m: boom'],
  ['timed-out', ':alarm_clock: Gave up waiting', 'Gave up waiting in 1h 15m: boom'],
] as const)('a %s deployment: headline, outcome and thread reply', (status, headline, outcome) => {
  const message = renderDeploymentMessage(
    {
      kind: 'finished',
      deployment: {
        ...deployment,
        status,
        finishedAt: 1_060_000 + 4_500_000,
        ...(status === 'succeeded' ? {} : { error: 'boom' }),
      },
    },
    { webUiUrl },
  );
  expect(message.text.split('\n')[0]).toBe(`${headline}: CourtCaseManagementStack → production`);
  expect(message.text.split('\n')[1]).toBe(outcome);
  expect(message.threadReply).toBe(outcome);
});

test('every message carries correlation ID, environment, stack, ref, the CI run and the Web UI', () => {
  const message = render({ kind: 'started' });
  expect(message.text).toContain(
    'correlation ID deploy-1, environment production, stack CourtCaseManagementStack, ref a1b2c3d',
  );
  expect(message.text).toContain(`Web UI: ${webUiUrl}`);
  expect(message.text).toContain('CI run: https://ci.example/runs/42');
  expect(message.blocks.map((block) => block.type)).toEqual(['header', 'section', 'section', 'context']);
  expect(JSON.stringify(message.blocks)).toContain(
    `<${webUiUrl}|Temporal Web UI> · <https://ci.example/runs/42|CI run>`,
  );
  expect(message.threadReply).toBeUndefined();
});

test('stack progress and stalls go to the thread; a stall also changes the headline', () => {
  const progress = render({ kind: 'progress', detail: 'UPDATE_IN_PROGRESS: 12 of 40 resources done' });
  expect(progress.threadReply).toBe('UPDATE_IN_PROGRESS: 12 of 40 resources done');
  expect(progress.text.split('\n')[0]).toBe(':rocket: Deploying: CourtCaseManagementStack → production');
  const stalled = render({ kind: 'stalled', detail: 'No stack events for 10m' });
  expect(stalled.text.split('\n')[0]).toBe(':warning: Stalled: CourtCaseManagementStack → production');
  expect(stalled.threadReply).toBe('No stack events for 10m');
});

test('text that is not a link is escaped for Slack', () => {
  const message = renderDeploymentMessage(
    { kind: 'finished', deployment: { ...deployment, status: 'failed', error: 'bad <template> & more' } },
    { webUiUrl },
  );
  expect(JSON.stringify(message.blocks)).toContain('bad &lt;template&gt; &amp; more');
});

test('durations read as people say them', () => {
  expect([450, 12_000, 150_000, 3_600_000, 4_500_000].map(formatDuration)).toEqual([
    '450ms',
    '12s',
    '2m 30s',
    '1h',
    '1h 15m',
  ]);
});

test("a succeeded cdk deployment shows the stack's outputs; one without changes says so", () => {
  const finished = { ...deployment, status: 'succeeded' as const, finishedAt: 1_060_000 + 90_000 };
  const withOutputs = renderDeploymentMessage(
    { kind: 'finished', deployment: { ...finished, outputs: { ApiUrl: 'https://api.example', Bucket: 'b-1' } } },
    { webUiUrl },
  );
  expect(withOutputs.threadReply).toBe('Succeeded in 1m 30s\nApiUrl = https://api.example\nBucket = b-1');
  const unchanged = renderDeploymentMessage(
    { kind: 'finished', deployment: { ...finished, noChanges: true } },
    { webUiUrl },
  );
  expect(unchanged.threadReply).toBe('Succeeded in 1m 30s (no changes: the stack already matched)');
});
