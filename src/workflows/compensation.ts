// A deployment's clean-up, as one ordered list: each step is registered when it becomes needed, and all of them run
// last-registered first, in a scope that cancellation cannot skip. (The deploy step itself is stopped before any of
// them: its activities wait for their cancellation to complete, so a cancelled step has ended when this runs.)
import { CancellationScope, log } from '@temporalio/workflow';

interface Step {
  what: string;
  /** Skipped when the deployment succeeded: its stack and change set need no undoing. */
  onlyUnlessSucceeded: boolean;
  run: () => Promise<unknown>;
}

export class Compensation {
  private readonly steps: Step[] = [];

  /** A step that runs however the deployment ended. */
  always(what: string, run: () => Promise<unknown>): void {
    this.steps.push({ what, onlyUnlessSucceeded: false, run });
  }

  /** A step that undoes what a deployment that did not succeed may have left behind. */
  unlessSucceeded(what: string, run: () => Promise<unknown>): void {
    this.steps.push({ what, onlyUnlessSucceeded: true, run });
  }

  /**
   * Runs every step, newest first, each even when the workflow is being cancelled and whatever the others did.
   * `succeeded` is asked before each step: a step may settle the outcome for those after it.
   */
  async run(succeeded: () => boolean): Promise<void> {
    for (const step of [...this.steps].reverse()) {
      if (step.onlyUnlessSucceeded && succeeded()) continue;
      await CancellationScope.nonCancellable(step.run).catch((err: unknown) =>
        log.error(`Could not ${step.what}`, { error: String(err) }),
      );
    }
  }
}
