// The chaos run's checks can fail: each invariant, fed what a broken coordinator would leave behind, reports it. And a
// seed gives one schedule, with every kind of fault in it.
import {
  type ChaosObservations,
  checkChaos,
  type CommandRun,
  FORCE_CLOSE_COMMAND,
  intervalTable,
  type RequestRecord,
  UNHANDLED_COMMAND,
} from '../chaos/invariants';
import { chaosPlan } from '../chaos/plan';

const run = (correlationId: string, start: number, end: number, environment = 'blue'): CommandRun => ({
  correlationId,
  environment,
  pid: start,
  start,
  end,
  ended: true,
  terminated: false,
});
const request = (correlationId: string, overrides: Partial<RequestRecord> = {}): RequestRecord => ({
  correlationId,
  environment: 'blue',
  tool: 'deploy',
  exitCode: 0,
  killed: false,
  sawServerRestart: false,
  requested: true,
  forceReleased: false,
  status: 'succeeded',
  stderrTail: '',
  ...overrides,
});
const observed = (overrides: Partial<ChaosObservations> = {}): ChaosObservations => ({
  runs: [run('a', 0, 100), run('b', 150, 300)],
  requests: [request('a'), request('b')],
  queues: [{ environment: 'blue', waiting: [] }],
  workflowTaskFailures: [],
  killGraceMs: { blue: 2000 },
  ...overrides,
});

test('a clean run passes', () => {
  expect(checkChaos(observed())).toEqual({
    violations: [],
    revokedOverlaps: [],
    runnersCutOff: [],
    refusedUnavailable: [],
    unhandledCommandRetries: 0,
    tasksFailedByServerClose: 0,
  });
});

test('two commands at once in one environment fail the run; in two environments they do not', () => {
  const overlapping = observed({ runs: [run('a', 0, 200), run('b', 150, 300)] });
  expect(checkChaos(overlapping).violations).toEqual(['two at once: blue: b started 50 ms before a ended']);
  const apart = observed({ runs: [run('a', 0, 200), run('b', 150, 300, 'green')] });
  expect(checkChaos(apart).violations).toEqual([]);
});

test("a force-released holder's command may overlap within its kill grace, reported apart; beyond it, it fails", () => {
  const revoked = [request('a', { status: 'revoked', exitCode: 3, forceReleased: true }), request('b')];
  const within = checkChaos(observed({ runs: [run('a', 0, 1500), run('b', 100, 300)], requests: revoked }));
  expect(within.violations).toEqual([]);
  expect(within.revokedOverlaps).toEqual(['blue: b started 1400 ms before a ended']);
  const beyond = checkChaos(observed({ runs: [run('a', 0, 5000), run('b', 100, 300)], requests: revoked }));
  expect(beyond.violations).toHaveLength(1);
  // Not revoked: no allowance at all.
  const notRevoked = checkChaos(observed({ runs: [run('a', 0, 150), run('b', 100, 300)] }));
  expect(notRevoked.violations).toHaveLength(1);
  // Revoked otherwise (a turn the lock had passed on): no allowance either.
  const passedOn = [request('a', { status: 'revoked', exitCode: 3 }), request('b')];
  expect(
    checkChaos(observed({ runs: [run('a', 0, 150), run('b', 100, 300)], requests: passedOn })).violations,
  ).toHaveLength(1);
});

test('a command that ran twice for one correlation ID fails the run', () => {
  const twice = observed({ runs: [run('a', 0, 100), run('a', 200, 300)], requests: [request('a')] });
  expect(checkChaos(twice).violations).toEqual(["started twice: a's deploy command ran 2 times"]);
});

test('a request that never ended, was lost, or exited with the wrong code fails the run', () => {
  const verdict = checkChaos(
    observed({
      runs: [],
      requests: [
        request('open', { status: 'deploying', exitCode: null }),
        request('lost', { requested: false, exitCode: 0 }),
        request('wrong', { status: 'failed', exitCode: 0 }),
        request('silent', { status: 'failed', exitCode: null }),
        request('phantom', { status: 'succeeded' }),
      ],
    }),
  );
  expect(verdict.violations).toEqual([
    'never ended: blue/open is deploying',
    'lost: blue/lost was requested, deployctl exited 0, and no such deployment exists: ',
    'wrong exit code: blue/wrong ended failed (exit 1 expected), deployctl deploy exited 0: ',
    'deployctl never exited: blue/silent (deploy)',
    'succeeded without running: blue/phantom',
  ]);
});

test(
  'exits that the faults explain pass: a killed runner, one killed before it asked, one cut off by the restart, ' +
    'one that never reached Temporal',
  () => {
    const verdict = checkChaos(
      observed({
        runs: [],
        requests: [
          request('killed', { tool: 'run', killed: true, exitCode: null, status: 'failed' }),
          request('early', { tool: 'run', killed: true, requested: false, exitCode: null }),
          request('cut', { tool: 'run', status: 'failed', exitCode: 69, sawServerRestart: true }),
          request('unreached', { requested: false, exitCode: 69, stderrTail: 'cannot use Temporal' }),
        ],
      }),
    );
    expect(verdict.violations).toEqual([]);
    expect(verdict.refusedUnavailable).toEqual(['blue/unreached: cannot use Temporal']);
    expect(verdict.runnersCutOff).toEqual(['blue/cut: exit 69 (failed)']);
  },
);

test('a queue left with a holder or waiting requests fails the run', () => {
  const verdict = checkChaos(observed({ queues: [{ environment: 'blue', holder: 'x', waiting: ['y'] }] }));
  expect(verdict.violations).toEqual(['queue not empty at the end: blue held by x, waiting [y]']);
});

test('workflow task failures fail the run, but for the two Temporal records in normal work', () => {
  const failure = (cause: string, thenClosedByServer = false) => ({
    workflowId: 'w',
    cause,
    message: 'm',
    thenClosedByServer,
  });
  const verdict = checkChaos(
    observed({
      workflowTaskFailures: [
        failure(UNHANDLED_COMMAND),
        failure(FORCE_CLOSE_COMMAND, true),
        failure(FORCE_CLOSE_COMMAND, false),
        failure('WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR'),
      ],
    }),
  );
  expect(verdict.unhandledCommandRetries).toBe(1);
  expect(verdict.tasksFailedByServerClose).toBe(1);
  expect(verdict.violations).toEqual([
    `workflow task failed: w: ${FORCE_CLOSE_COMMAND}: m`,
    'workflow task failed: w: WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR: m',
  ]);
});

test('the interval table lists every run by environment and start', () => {
  const table = intervalTable([run('b', 1150, 1300), run('a', 1000, 1100, 'alpha')], [request('a')], 1000);
  expect(table.split('\n').slice(1)).toEqual([
    expect.stringMatching(/^alpha\s+a\s+0\.000\s+0\.100 exited\s+1000 succeeded$/),
    expect.stringMatching(/^blue\s+b\s+0\.150\s+0\.300 exited\s+1150 \?$/),
  ]);
});

test('a seed gives one schedule, sorted, with every kind of fault in it', () => {
  const plan = chaosPlan(7, 75);
  expect(chaosPlan(7, 75)).toEqual(plan);
  expect(chaosPlan(8, 75)).not.toEqual(plan);
  const at = plan.actions.map((action) => action.at);
  expect(at).toEqual([...at].sort((a, b) => a - b));
  const kinds = new Set(plan.actions.map(({ action }) => action.kind));
  for (const kind of [
    'deploy',
    'run',
    'cancel',
    'force-release',
    'kill-worker',
    'restart-server',
    'terminate-holder',
  ]) {
    expect(kinds).toContain(kind);
  }
  const kills = plan.actions.flatMap(({ action }) => (action.kind === 'kill-worker' ? [action.group] : []));
  expect(kills).toEqual(expect.arrayContaining([true, false]));
  // Faults stop in the last fifth, so that the run ends whole.
  const lastFault = Math.max(
    ...plan.actions.filter(({ action }) => !['deploy', 'run'].includes(action.kind)).map(({ at }) => at),
  );
  expect(lastFault).toBeLessThan(75_000 * 0.8);
});
