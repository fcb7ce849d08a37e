// The Temporal SDK's runtime, installed once per worker process: its log through the worker's logger, its metrics
// (and the deployment metrics workflows emit) served to Prometheus when DEPLOY_METRICS_ADDRESS is set.
import type pino from 'pino';
import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';
import { logger } from '../process/logger';
import { METRICS } from '../contract';

const DEPLOYMENT_BUCKETS_SECONDS = [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];

const LEVELS: Record<LogLevel, pino.Level> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Errors in the SDK's log entries as their type and message: an Error's own fields are not enumerable, so a log
 * line would otherwise show `{}` where the reason belongs.
 */
function readableErrors(meta: Record<string, unknown>): Record<string, unknown> {
  const entries = Object.entries(meta).map(([key, value]) => {
    if (!(value instanceof Error)) return [key, value];
    const type = (value as { type?: unknown }).type;
    return [key, `${value.name}${typeof type === 'string' ? ` (${type})` : ''}: ${value.message}`];
  });
  return Object.fromEntries(entries);
}

/** Why DEPLOY_METRICS_ADDRESS is not a `host:port` to listen on, or undefined when it is. */
export function metricsAddressProblem(address: string): string | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(address);
  const port = Number(match?.[2]);
  if (match && port >= 1 && port <= 65_535) return undefined;
  return `invalid DEPLOY_METRICS_ADDRESS ${JSON.stringify(address)}: use host:port, e.g. 127.0.0.1:9464`;
}

/**
 * Installs the runtime. The worker handles its stop signals itself (drain.ts), so the runtime is told to leave
 * them alone. With `metricsAddress`, Prometheus text is served at http://<metricsAddress>/metrics.
 */
export function installRuntime(options: { metricsAddress?: string } = {}): void {
  Runtime.install({
    shutdownSignals: [],
    logger: new DefaultLogger('INFO', ({ level, message, meta }) => {
      logger[LEVELS[level]](meta === undefined ? {} : readableErrors(meta), message);
    }),
    ...(options.metricsAddress
      ? {
          telemetryOptions: {
            metrics: {
              prometheus: {
                bindAddress: options.metricsAddress,
                useSecondsForDurations: true,
                // Prometheus's convention (promtool checks it), for our counters and the SDK's alike.
                countersTotalSuffix: true,
                // Deployments take minutes, not the milliseconds the default buckets are for.
                histogramBucketOverrides: {
                  [METRICS.queueWait.name]: DEPLOYMENT_BUCKETS_SECONDS,
                  [METRICS.duration.name]: DEPLOYMENT_BUCKETS_SECONDS,
                },
              },
            },
          },
        }
      : {}),
  });
}
