import pino from 'pino';
import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';

/** The worker's log: JSON lines on stdout, level from LOG_LEVEL. */
export const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { service: 'deployment-coordinator' } });

const LEVELS: Record<LogLevel, pino.Level> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Routes the SDK's own log (workflow and activity loggers included) through the worker's logger. Call once. The
 * worker handles its stop signals itself (drain.ts), so the runtime is told to leave them alone.
 */
export function installRuntimeLogger(): void {
  Runtime.install({
    shutdownSignals: [],
    logger: new DefaultLogger('INFO', ({ level, message, meta }) => {
      logger[LEVELS[level]](meta ?? {}, message);
    }),
  });
}
