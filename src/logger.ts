import pino from 'pino';

/** The worker's log: JSON lines on stdout, level from LOG_LEVEL. */
export const logger = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { service: 'deployment-coordinator' } });
