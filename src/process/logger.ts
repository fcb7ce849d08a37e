// The worker's log. On a terminal, one readable line per entry: time, level, the deployment it is about, message
// (LOG_FORMAT=pretty forces it); elsewhere JSON lines for a log pipeline (LOG_FORMAT=json forces it).
import pino from 'pino';
import pretty from 'pino-pretty';

const options: pino.LoggerOptions = {
  level: process.env.LOG_LEVEL ?? 'info',
  base: { service: 'deployment-coordinator' },
};

/** Fields a reader at a terminal does not need on every line (they stay in the JSON form). */
const NOT_SHOWN = [
  'pid',
  'hostname',
  'service',
  'sdkComponent',
  'namespace',
  'taskQueue',
  'taskToken',
  'workflowRunId',
  'runId',
  'workflowType',
  'activityId',
  'activityType',
  'isLocal',
  'attempt',
  'stream',
  'environment',
  'correlationId',
  'workflowId',
];

function readable(): boolean {
  const format = process.env.LOG_FORMAT;
  return format === 'pretty' || (format !== 'json' && process.stdout.isTTY === true);
}

export const logger = readable()
  ? pino(
      options,
      pretty({
        colorize: process.stdout.isTTY === true,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: NOT_SHOWN.join(','),
        singleLine: true,
        // The deployment first: "staging/deploy-20261128-101500-42 deploying Api to staging".
        messageFormat: (entry, messageKey) => {
          const { environment, correlationId } = entry as { environment?: string; correlationId?: string };
          const about = [environment, correlationId].filter((part) => part !== undefined && part !== '').join('/');
          const message = String(entry[messageKey] ?? '');
          return about === '' ? message : `${about} ${message}`;
        },
      }),
    )
  : pino(options);
