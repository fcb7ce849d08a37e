// A chaos run's schedule, drawn from its seed: the same seed gives the same requests and faults at the same moments
// (what the machine then does with them still varies with its timing).
import fc from 'fast-check';

/** Environments the chaos config declares: two queues, one that supersedes, one deployed by CI runners. */
export const QUEUE_ENVIRONMENTS = ['blue', 'green'] as const;
export const SUPERSEDE_ENVIRONMENT = 'preview';
export const RUNNER_ENVIRONMENT = 'runners';
/** Takes only refs that succeeded in blue (and soaked there), and each request needs an approval. */
export const GATED_ENVIRONMENT = 'gated';
export const GATED_FROM = 'blue';
export const WORKER_ENVIRONMENTS = [...QUEUE_ENVIRONMENTS, SUPERSEDE_ENVIRONMENT, GATED_ENVIRONMENT] as const;

export type ChaosAction =
  /** deployctl deploy, followed to its end. */
  | {
      kind: 'deploy';
      environment: (typeof WORKER_ENVIRONMENTS)[number];
      priority: 'normal' | 'high';
      /** A short --wait-timeout, so that some requests time out in the queue. */
      shortWait: boolean;
      sleepMs: number;
      fails: boolean;
      /** Gated requests: approved (by deployctl approve) this long after the request, or rejected. */
      approveAfterMs: number;
      rejects: boolean;
      /**
       * Gated: asked only once something has succeeded in blue (and spared the cancel faults), so that every run
       * promotes at least once, however slowly a loaded machine drains blue's queue.
       */
      afterUpstream?: boolean;
    }
  /**
   * deployctl run on a "runner", sometimes killed (SIGKILL) this long after it started, or this long after its
   * command started (`whileRunning`).
   */
  | { kind: 'run'; sleepMs: number; fails: boolean; killAfterMs?: number; whileRunning?: boolean }
  /** deployctl cancel of the pick-th request still being followed (modulo how many there are). */
  | { kind: 'cancel'; pick: number }
  | { kind: 'force-release'; environment: string }
  /**
   * SIGKILL to a worker process alone, or to its whole process group; a new worker starts after downMs. With
   * `longCommand`, it first requests a command that outlasts a lost worker's detection and one behind it, and kills
   * the worker under that command: an orphaned command would still run when the next one starts.
   */
  | { kind: 'kill-worker'; worker: number; group: boolean; downMs: number; longCommand?: boolean }
  /** The Temporal server stopped and started again on its database. */
  | { kind: 'restart-server'; downMs: number }
  /** temporal workflow terminate of the environment's current holder. */
  | { kind: 'terminate-holder'; environment: string }
  /** deployctl freeze for a while (it ends by itself), or deployctl unfreeze at once. */
  | { kind: 'freeze'; environment: string; forMs: number; lift: boolean };

export interface TimedAction {
  /** Milliseconds from the start of the run. */
  at: number;
  action: ChaosAction;
}

export interface ChaosPlan {
  seed: number;
  seconds: number;
  workers: number;
  actions: TimedAction[];
}

const anyEnvironment = fc.constantFrom<string>(...WORKER_ENVIRONMENTS, RUNNER_ENVIRONMENT);

/** True with the given chance in a hundred. */
const chance = (percent: number) => fc.integer({ min: 1, max: 100 }).map((n) => n <= percent);

/**
 * How long a deploy command runs: mostly short, one in ten longer than the deploy step's heartbeat timeout (5 s), so
 * that a worker lost under it is noticed while it would still be running had it been orphaned.
 */
const commandMs = fc.oneof(
  { weight: 9, arbitrary: fc.integer({ min: 100, max: 2500 }) },
  { weight: 1, arbitrary: fc.integer({ min: 8000, max: 12_000 }) },
);

const deployAction: fc.Arbitrary<ChaosAction> = fc.record({
  kind: fc.constant('deploy' as const),
  environment: fc.constantFrom(...WORKER_ENVIRONMENTS),
  priority: chance(20).map((high): 'normal' | 'high' => (high ? 'high' : 'normal')),
  shortWait: chance(15),
  sleepMs: commandMs,
  fails: chance(15),
  approveAfterMs: fc.integer({ min: 0, max: 4000 }),
  rejects: chance(10),
});

const runAction: fc.Arbitrary<ChaosAction> = fc.record({
  kind: fc.constant('run' as const),
  sleepMs: commandMs,
  fails: chance(15),
  killAfterMs: fc.option(fc.integer({ min: 1000, max: 8000 }), { freq: 3, nil: undefined }),
});

const killWorker = (workers: number) =>
  fc.record({
    kind: fc.constant('kill-worker' as const),
    worker: fc.nat(workers - 1),
    group: fc.boolean(),
    downMs: fc.integer({ min: 200, max: 4000 }),
  });

const faultFor = (workers: number) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat(50) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('force-release' as const), environment: anyEnvironment }) },
    { weight: 2, arbitrary: killWorker(workers) },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('terminate-holder' as const), environment: anyEnvironment }),
    },
    { weight: 2, arbitrary: freeze },
  );

const freeze = fc.record({
  kind: fc.constant('freeze' as const),
  environment: anyEnvironment,
  forMs: fc.integer({ min: 1000, max: 6000 }),
  lift: chance(25),
});

const restartServer = fc.record({
  kind: fc.constant('restart-server' as const),
  downMs: fc.integer({ min: 200, max: 2000 }),
});

/**
 * Requests at about one a second, a fault every few seconds, and in every run at least one of each fault (both kinds
 * of worker kill among them) and one server restart a minute. Nothing is scheduled in the last fifth of the run but
 * requests, so that the run ends with the queues busy and the coordinator whole.
 */
export function chaosPlanArbitrary(seconds: number, workers: number): fc.Arbitrary<TimedAction[]> {
  const spanMs = seconds * 1000;
  const faultSpanMs = Math.floor(spanMs * 0.8);
  const timed = (action: fc.Arbitrary<ChaosAction>, untilMs: number) =>
    fc.record({ at: fc.integer({ min: 0, max: Math.max(0, untilMs - 1) }), action });
  const requests = fc.array(
    timed(fc.oneof({ weight: 4, arbitrary: deployAction }, { weight: 1, arbitrary: runAction }), spanMs),
    { minLength: Math.ceil(seconds * 0.8), maxLength: Math.ceil(seconds * 1.1) },
  );
  const faults = fc.array(timed(faultFor(workers), faultSpanMs), {
    minLength: Math.ceil(seconds / 6),
    maxLength: Math.ceil(seconds / 4),
  });
  const oneOfEach = fc.tuple(
    timed(
      killWorker(workers).map((kill) => ({ ...kill, group: false })),
      faultSpanMs,
    ),
    timed(
      killWorker(workers).map((kill) => ({ ...kill, group: true, longCommand: true })),
      faultSpanMs,
    ),
    timed(fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat(50) }), faultSpanMs),
    timed(fc.record({ kind: fc.constant('force-release' as const), environment: anyEnvironment }), faultSpanMs),
    timed(fc.record({ kind: fc.constant('terminate-holder' as const), environment: anyEnvironment }), faultSpanMs),
    timed(
      freeze.map((set) => ({ ...set, lift: false })),
      faultSpanMs,
    ),
    // Something to promote early on: a blue deployment that succeeds, then a gated request (approved) once it has.
    timed(
      deployAction.map((deploy) => ({ ...deploy, environment: 'blue' as const, fails: false, shortWait: false })),
      Math.floor(spanMs * 0.2),
    ),
    timed(
      deployAction.map((deploy) => ({
        ...deploy,
        environment: GATED_ENVIRONMENT,
        rejects: false,
        shortWait: false,
        afterUpstream: true,
      })),
      Math.floor(spanMs * 0.5),
    ).map(({ at, action }) => ({ at: at + Math.floor(spanMs * 0.2), action })),
    timed(
      runAction.map((run) => ({ ...run, sleepMs: 3000, killAfterMs: 300, whileRunning: true })),
      faultSpanMs,
    ),
  );
  const restarts = fc.array(timed(restartServer, faultSpanMs), {
    minLength: Math.max(1, Math.floor(seconds / 60)),
    maxLength: Math.max(1, Math.floor(seconds / 60)),
  });
  return fc
    .tuple(requests, faults, oneOfEach, restarts)
    .map(([r, f, each, s]) => [...r, ...f, ...each, ...s].sort((a, b) => a.at - b.at));
}

/** The plan a seed gives. */
export function chaosPlan(seed: number, seconds: number, workers = 2): ChaosPlan {
  const [actions] = fc.sample(chaosPlanArbitrary(seconds, workers), { seed, numRuns: 1 });
  return { seed, seconds, workers, actions: actions ?? [] };
}

/** One line per action, for the report of a failed run. */
export function describeAction({ at, action }: TimedAction): string {
  const { kind, ...rest } = action;
  return `${(at / 1000).toFixed(1).padStart(6)}s ${kind} ${JSON.stringify(rest)}`;
}
