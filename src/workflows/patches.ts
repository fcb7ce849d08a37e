// Every patch of the workflows' code since 1.0, in one place. A change that alters the commands a workflow makes
// (a new activity, timer, signal or search attribute, or the same ones in another order) must keep every history
// recorded before it replaying: docs/adr/0004-patching.md says how.
//
// Each entry says what changed and when its patch can go:
//   1. added: `if (patched(PATCHES.x.id))` runs the new code, the old code in the else branch;
//   2. `deprecatePatch(PATCHES.x.id)` once no workflow that started before the release that added it is still open
//      (deployments: their lock wait and deploy timeouts; locks: continue-as-new carries no patch across runs);
//   3. removed with its entry one release later.
// Patch IDs are recorded in histories: never reuse or rename one. Lint allows patched() and deprecatePatch() only
// with an ID from here.

/** A patch: its ID, as recorded in histories, and when it can be deprecated, then removed. */
export interface Patch {
  id: string;
  /** The release that added it. */
  since: string;
  /** What changed, in a line. */
  change: string;
  /** When `deprecatePatch` may replace it, and when it may go. */
  retire: string;
}

/** The catalogue since 1.0, whose histories are the baseline (test/fixtures/histories/1.0). */
export const PATCHES = {
  withdrawFromTheStart: {
    id: 'withdraw-from-the-start',
    since: '1.2.0',
    change:
      'a deployment withdraws from its lock however early it ends: a lost workflow task may have queued it on a path ' +
      'its next attempt does not take',
    retire:
      'deprecate once no deployment started before 1.2.0 is open (its lock wait and deploy timeouts); ' +
      'remove in the release after',
  },
  admission: {
    id: 'admission',
    since: '1.3.0',
    change:
      'a deployment resolves its environment and who asks in one local activity, resolveRequest (ID token verified, ' +
      'access rules applied), instead of resolveEnvironment',
    retire:
      'deprecate once no deployment started before 1.3.0 is open (its lock wait and deploy timeouts); remove in the ' +
      'release after',
  },
  operatorAccess: {
    id: 'operator-access',
    since: '1.4.0',
    change:
      "an operator message (force-release, approve, reject, deployctl cancel) is decided by the environment's " +
      'operator rules in an activity, authorizeOperator, before it takes effect',
    retire:
      'deprecate once no deployment started before 1.4.0 is open (its lock wait and deploy timeouts) and every lock ' +
      'has continued as new since; remove in the release after',
  },
  operatorMessagesSettle: {
    id: 'operator-messages-settle',
    since: '1.4.1',
    change:
      'a deployment acts on an operator message (cancel, approve, reject) only where none of its local activities ' +
      'runs, its cancel signal is decided by the operator rules as the update is, and a runner claim that comes ' +
      'before its step opens is kept for it',
    retire:
      'deprecate once no deployment started before 1.4.1 is open (its lock wait and deploy timeouts); remove in the ' +
      'release after',
  },
  githubDeployments: {
    id: 'github-deployments',
    since: '1.6.0',
    change:
      'a deployment asked from a GitHub repository shows there as a GitHub deployment: an activity, ' +
      'reportGitHubDeployment, per queued, started and finished notice',
    retire:
      'deprecate once no deployment started before 1.6.0 is open (its lock wait and deploy timeouts); remove in the ' +
      'release after',
  },
  bake: {
    id: 'bake',
    since: '1.6.0',
    change:
      'an environment with a bake holds a deployment back while one of its alarms is in ALARM, and keeps the turn ' +
      'after a successful deploy step, reading its alarms (activity firingAlarms; a freeze signal to the lock); ' +
      'asked at the start of every deployment',
    retire:
      'deprecate once no deployment started before 1.6.0 is open (its lock wait and deploy timeouts); remove in the ' +
      'release after',
  },
  idleLockEnds: {
    id: 'idle-lock-ends',
    since: '1.8.0',
    change:
      "an environment's lock with nothing to keep ends after its idleLockTimeout (a timer while idle); the next " +
      'request starts a new one, handed its lease count and learned durations',
    retire:
      'deprecate once every lock has continued as new or ended since 1.8.0 (a lock carries no patch across runs); ' +
      'remove in the release after',
  },
  watchEndsAfterStep: {
    id: 'watch-ends-after-step',
    since: '1.8.1',
    change:
      'the stack watch judges the outcome by a poll begun after the deploy step ended: a poll begun before it, ' +
      "whose answer came after, could read the stack as it was before cdk's execute (a new stack REVIEW_IN_PROGRESS, " +
      'an old one at its last status) and end the watch on it; it now polls once more',
    retire:
      'deprecate once no deployment started before 1.8.1 is open (its lock wait and deploy timeouts); remove in the ' +
      'release after',
  },
} as const satisfies Record<string, Patch>;
