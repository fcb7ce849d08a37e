// A CI system cancels a job by signalling its process: SIGINT, then SIGTERM, then a kill a few seconds later.
// deployctl catches the first two, so that it can withdraw a waiting deployment before it goes.
import { constants } from 'node:os';

export type Interrupt = 'SIGINT' | 'SIGTERM';

export interface InterruptWatch {
  /** Settles with the first SIGINT or SIGTERM received since the watch began. */
  interrupted: Promise<Interrupt>;
  /** The signal received so far, if any. */
  received(): Interrupt | undefined;
  /** Gives both signals back to Node's default (exit at once). */
  stop(): void;
}

export function watchInterrupts(): InterruptWatch {
  let received: Interrupt | undefined;
  let settle: (signal: Interrupt) => void = () => undefined;
  const interrupted = new Promise<Interrupt>((resolve) => (settle = resolve));
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((signal) => {
    const handler = () => {
      received ??= signal;
      settle(signal);
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return {
    interrupted,
    received: () => received,
    stop: () => handlers.forEach(([signal, handler]) => process.off(signal, handler)),
  };
}

/** 130 for SIGINT, 143 for SIGTERM: what a shell reports for a process those signals ended. */
export function exitCodeForInterrupt(signal: Interrupt): number {
  return 128 + constants.signals[signal];
}
