// A workflow interceptor (bundled with the workflows: see workflow-bundle.ts) that lets a workflow advance only inside
// a workflow task, as its replay will.
//
// Why: a query sent while no workflow task is pending goes to the worker that last ran the workflow. If that worker is
// gone, the query waits on its queue, then goes to another worker with the history as it is by then. A worker that
// has not run the workflow replays it from that history, and the SDK (1.24) also applies the newer events that wait
// for a workflow task (a signal, an activity's result) and runs the workflow on them, there and then. The commands it
// issues are sent with the next workflow task, which may bring more events. The workflow has then acted on some of
// that task's events before the rest, which its replay (every event of the task at once) does not do: a lock granted
// the turn to one deployment where its replay grants it to another, and the SDK does not notice (it does not compare a
// signal's name or input on replay). Refusing that activation fails the query and drops the half-advanced workflow
// from the worker's cache; the next workflow task rebuilds it from history, as replay does.
// Two rules see it (docs/adr/0009-advance-only-in-workflow-tasks.md): events applied with no new task keep the size
// and clock of the last one; and when the waiting events include a task that started and then timed out, the SDK
// takes the size and clock from that task's start, which is older than the task timeout by then.
import { type WorkflowInterceptorsFactory, workflowInfo } from '@temporalio/workflow';
import { REFUSED_OUTSIDE_WORKFLOW_TASK } from '../contract/failure-types';

/** The workflow was asked to apply history events outside a workflow task (see above). */
export class EventsOutsideWorkflowTaskError extends Error {
  override readonly name = 'EventsOutsideWorkflowTaskError';
}

/** A protobuf count (a number or a Long) as a number. */
const count = (value: unknown): number => Number(String(value ?? 0));

/** An activation's clock: the start of the latest workflow task it has applied, to the nanosecond. */
type Timestamp = { seconds?: unknown; nanos?: number | null } | null | undefined;
const clockOf = (timestamp: Timestamp): string => `${String(timestamp?.seconds ?? 0)}.${timestamp?.nanos ?? 0}`;
/** The same clock in milliseconds. */
const millisOf = (timestamp: Timestamp): number =>
  count(timestamp?.seconds) * 1000 + Math.floor((timestamp?.nanos ?? 0) / 1e6);

/** What the guard reads of the worker's own clock, and how long a workflow task may run. */
export interface TaskClock {
  nowMs: number;
  taskTimeoutMs: number;
}

/** The guard itself; `taskClock` is read only for the first activation a worker runs live. */
export function guardInterceptors(taskClock: () => TaskClock): ReturnType<WorkflowInterceptorsFactory> {
  /** What the last activation that applied events had applied: history length, size and clock; whether replayed. */
  let last: { length: number; size: number; clock: string; replaying: boolean } | undefined;
  return {
    internals: [
      {
        activate(input, next) {
          const { activation } = input;
          const jobs = activation.jobs ?? [];
          // Queries change nothing. (An eviction never reaches the workflow: the worker takes it out first.)
          if (jobs.length > 0 && !jobs.some((job) => job.queryWorkflow)) {
            const length = count(activation.historyLength);
            const from = (last?.length ?? 0) + 1;
            // The size and the clock come from the latest workflow task's start, which raises both (the size not
            // always: a task the server returns with the previous one's completion may carry that one's size).
            // Events applied with no new task keep both, however far the history grew. (A server too old to give the
            // size gives 0: not enough to tell.)
            const size = count(activation.historySizeBytes);
            const clock = clockOf(activation.timestamp);
            const noNewTask = size > 0 && size === last?.size && clock === last.clock;
            // Only while the workflow runs live: a replay applies every event within its workflow task.
            if (last && !activation.isReplaying && length > last.length && noNewTask) {
              throw new EventsOutsideWorkflowTaskError(
                `${REFUSED_OUTSIDE_WORKFLOW_TASK} ${from}-${length} outside a workflow task: a query reached a worker ` +
                  'new to this workflow while newer events waited for a workflow task; retry the query',
              );
            }
            // The first events a worker applies live to a workflow it rebuilt (or started): from a task that began
            // longer ago than the task timeout, they are a timed-out task's, which the server no longer takes. (Only
            // the first: a later activation of a task, a local activity's result, may come long after its start.)
            if (!activation.isReplaying && (!last || last.replaying)) {
              const { nowMs, taskTimeoutMs } = taskClock();
              const startedMs = millisOf(activation.timestamp);
              const ageMs = nowMs - startedMs;
              if (startedMs > 0 && ageMs > taskTimeoutMs) {
                throw new EventsOutsideWorkflowTaskError(
                  `${REFUSED_OUTSIDE_WORKFLOW_TASK} ${from}-${length} from a workflow task that began ` +
                    `${(ageMs / 1000).toFixed(1)} s ago, past its ${taskTimeoutMs / 1000} s timeout: a query that ` +
                    'reached a worker new to this workflow after a task timed out (retry the query), or a task this ' +
                    "worker took up after its timeout (the server gives it again) or with a clock ahead of the server's",
                );
              }
            }
            last = { length, size, clock, replaying: activation.isReplaying === true };
          }
          return next(input);
        },
      },
    ],
  };
}

/**
 * The worker's clock as the SDK gives it to code that must not decide with it (read only for a live activation,
 * so replay never depends on it).
 */
const workflowTaskClock = (): TaskClock => {
  const info = workflowInfo();
  return { nowMs: info.unsafe.now(), taskTimeoutMs: info.taskTimeoutMs };
};

export const interceptors: WorkflowInterceptorsFactory = () => guardInterceptors(workflowTaskClock);
