// Which of this workflow's local activities are still running, so that an operator's message takes effect only
// where none is. A local activity's result can reach the workflow one task after its marker was recorded (the worker
// answered a query in between), and the SDK then hands a message that came meanwhile to the workflow before that
// result; a replay hands over the result first. A message accepted, or acted on, while a local activity runs could
// so come out in another order on replay.
import { condition } from '@temporalio/workflow';

// The count is each workflow's own, so it lives on globalThis, which the SDK keeps per workflow: this module, like
// every workflow module, is loaded once for all workflows (workflow-bundle.ts preloads them).
const RUNNING = Symbol.for('deployment-coordinator.local-work.running');
type Counted = typeof globalThis & { [RUNNING]?: number };

const running = (): number => (globalThis as Counted)[RUNNING] ?? 0;
const add = (delta: number): void => void ((globalThis as Counted)[RUNNING] = running() + delta);

/** `activities` (a proxyLocalActivities object) with each call counted while it runs. */
export function countedWhileRunning<T extends object>(activities: T): T {
  return new Proxy(activities, {
    get(target, name, receiver) {
      const call: unknown = Reflect.get(target, name, receiver);
      if (typeof call !== 'function') return call;
      return (...args: unknown[]) => {
        const result = (call as (...a: unknown[]) => Promise<unknown>)(...args);
        add(1);
        // Counted down by a reaction registered before the caller's: the caller resumes as many ticks later as before.
        const done = () => add(-1);
        void result.then(done, done);
        return result;
      };
    },
  });
}

/** Whether a local activity is running: a message that comes now is turned away, to be sent again. */
export function localWorkRunning(): boolean {
  return running() > 0;
}

/** Resolves once no local activity runs (at once when none does). */
export function localWorkSettled(): Promise<void> {
  return condition(() => running() === 0);
}
