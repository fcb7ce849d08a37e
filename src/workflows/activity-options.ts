// Every activity a workflow calls, by profile: timeouts, retries and cancellation in one place, each saying why.
import {
  type ActivityOptions,
  ActivityCancellationType,
  type LocalActivityOptions,
  proxyActivities,
  proxyLocalActivities,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { EnvironmentSettings } from '../contract';
import { countedWhileRunning } from './local-work';

/** The notify timeout of the lock's own notices (a deployment's follow its environment's). */
export const DEFAULT_NOTIFY_TIMEOUT_MS = 30_000;

/**
 * Reading the config and queuing at the lock: quick calls, retried through a short outage, then the deployment fails.
 * They run in the workflow task that asks for them (local activities): no task of their own to schedule, dispatch and
 * record, which is most of what a deployment costs the server. Long retries wait on a timer.
 */
const BOOKKEEPING: LocalActivityOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 20 },
  localRetryThreshold: '10s',
};

/**
 * Giving the turn back and asking the lock for its answer (the activity waits at most 10 s for the answer). Bounded,
 * so that a release the server cannot take for a minute is sent by the workflow's own signal instead.
 */
const RELEASE_LOCAL: LocalActivityOptions = {
  startToCloseTimeout: '15s',
  scheduleToCloseTimeout: '1m',
  retry: { initialInterval: '1s', maximumInterval: '10s' },
  localRetryThreshold: '10s',
};

/**
 * Deciding an operator's message by the environment's rules, from a signal or update handler: an activity of its own,
 * not a local one. A local activity's marker is recorded when it ends, so beside the main code's commands in the same
 * task a replay would meet it elsewhere (chaos found an update's handler failing its replay so). Retried through a
 * short outage; the operator waits for the answer.
 */
const OPERATOR_CHECK: ActivityOptions = {
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '5m',
  retry: { initialInterval: '1s', maximumInterval: '10s' },
};

/** Whether a holder is still open: a few tries, then the lock keeps the holder (unknown is not dead). */
const LIVENESS: ActivityOptions = {
  startToCloseTimeout: '10s',
  retry: { maximumAttempts: 3, initialInterval: '1s' },
};

/** CloudFormation reads and requests: no attempt limit, so throttling and outages slow a deployment, never fail it. */
const STACK_CALLS: ActivityOptions = {
  startToCloseTimeout: '2m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m' },
};

/** Queuing a rollback after a bake alarm: a visibility read, a start, a wait for the lock; then the turn goes back. */
const BAKE_ROLLBACK: ActivityOptions = {
  startToCloseTimeout: '1m',
  heartbeatTimeout: '20s',
  scheduleToCloseTimeout: '3m',
  retry: { initialInterval: '1s', maximumInterval: '10s' },
};

/** Deleting an unexecuted change set waits for CloudFormation, heartbeating; bounded, since it is clean-up. */
const CHANGE_SET_CLEAN_UP: ActivityOptions = {
  startToCloseTimeout: '5m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10 },
};

/** A notice: bounded, retries included, by the notify timeout, so that Slack never holds a deployment back. */
function noticeDelivery(timeoutMs: number): ActivityOptions {
  return {
    scheduleToCloseTimeout: timeoutMs,
    startToCloseTimeout: Math.min(timeoutMs, 10_000),
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s' },
  };
}

/** What every deploy-step activity shares: a lost worker shows as a missed heartbeat long before the timeout. */
function deployStepBase(settings: EnvironmentSettings): ActivityOptions {
  return {
    startToCloseTimeout: settings.deployTimeoutMs,
    heartbeatTimeout: 'heartbeatTimeoutMs' in settings.deploy ? settings.deploy.heartbeatTimeoutMs : undefined,
    // The turn is given back only once the deploy process is really gone.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  };
}

/** A deploy command runs once: a retry could start a second deploy while the first may still be changing the stack. */
function deployCommand(settings: EnvironmentSettings): ActivityOptions {
  return { ...deployStepBase(settings), retry: { maximumAttempts: 1 } };
}

/** Preparing a change set changes no stack, so a lost worker's attempt is simply prepared again by another. */
function prepareChangeSet(settings: EnvironmentSettings): ActivityOptions {
  return { ...deployStepBase(settings), retry: { maximumAttempts: 3, initialInterval: '2s' } };
}

/** Executing is retried until it is known to have happened, never twice (the activity checks; the token too). */
function executeChangeSet(settings: EnvironmentSettings): ActivityOptions {
  return {
    ...deployStepBase(settings),
    startToCloseTimeout: '5m',
    retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m' },
  };
}

export const bookkeeping = countedWhileRunning(proxyLocalActivities<Activities>(BOOKKEEPING));
export const releaseCalls = countedWhileRunning(proxyLocalActivities<Activities>(RELEASE_LOCAL));
export const liveness = proxyActivities<Activities>(LIVENESS);
export const operatorCheck = proxyActivities<Activities>(OPERATOR_CHECK);
export const stackCalls = proxyActivities<Activities>(STACK_CALLS);
export const bakeRollback = proxyActivities<Activities>(BAKE_ROLLBACK);
export const changeSetCleanUp = proxyActivities<Activities>(CHANGE_SET_CLEAN_UP);
export const noticeCalls = (timeoutMs: number) => proxyActivities<Activities>(noticeDelivery(timeoutMs));
export const deployCommandCalls = (settings: EnvironmentSettings) =>
  proxyActivities<Activities>(deployCommand(settings));
export const prepareCalls = (settings: EnvironmentSettings) => proxyActivities<Activities>(prepareChangeSet(settings));
export const executeCalls = (settings: EnvironmentSettings) => proxyActivities<Activities>(executeChangeSet(settings));
