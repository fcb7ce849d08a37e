// How a worker stops: the first SIGTERM or SIGINT drains it (no new work; running deploy steps finish within the
// grace period; steps that are safe to move hand over to another worker), a second stops everything at once.
import { setMaxListeners } from 'node:events';

/** What activities watch while the worker stops. */
export interface DrainSignals {
  /** Aborted on the first signal: steps safe to repeat elsewhere stop and fail retryably, for another worker. */
  handOver: AbortSignal;
  /** Aborted on the second: every deploy step stops its command now. */
  stopNow: AbortSignal;
}

/** The grace period running deploy steps get once the worker drains (DEPLOY_SHUTDOWN_GRACE). */
export const DEFAULT_SHUTDOWN_GRACE = '15m';

export class Drain {
  private readonly handOverController = new AbortController();
  private readonly stopNowController = new AbortController();
  readonly signals: DrainSignals = {
    handOver: this.handOverController.signal,
    stopNow: this.stopNowController.signal,
  };

  constructor() {
    // Every running deploy step listens: as many as the worker runs at once, which is more than Node's default 10.
    setMaxListeners(0, this.signals.handOver, this.signals.stopNow);
  }

  /** The next stop signal: the first drains, the second stops at once. Returns which it was. */
  next(): 'drain' | 'stop now' {
    if (!this.handOverController.signal.aborted) {
      this.handOverController.abort();
      return 'drain';
    }
    this.stopNowController.abort();
    return 'stop now';
  }
}
