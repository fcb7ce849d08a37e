import { LogLevel, WebClient } from '@slack/web-api';
import { logger } from '../process/logger';

/**
 * The Slack client of the worker, from SLACK_BOT_TOKEN (and SLACK_API_URL for tests and proxies); undefined when
 * there is no token. The token stays inside the client: nothing built from it is logged or returned.
 */
export function createSlackClient(env: NodeJS.ProcessEnv = process.env): WebClient | undefined {
  const token = env.SLACK_BOT_TOKEN?.trim();
  if (!token) return undefined;
  const redact = (args: unknown[]) => args.map((arg) => String(arg).split(token).join('[redacted]')).join(' ');
  return new WebClient(token, {
    ...(env.SLACK_API_URL ? { slackApiUrl: env.SLACK_API_URL } : {}),
    // Retries are Temporal's: visible in history and bounded by the notification timeout.
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 10_000,
    logLevel: LogLevel.WARN,
    logger: {
      debug: () => undefined,
      info: () => undefined,
      warn: (...args: unknown[]) => logger.warn({ component: 'slack' }, redact(args)),
      error: (...args: unknown[]) => logger.error({ component: 'slack' }, redact(args)),
      setLevel: () => undefined,
      getLevel: () => LogLevel.WARN,
      setName: () => undefined,
    },
  });
}
