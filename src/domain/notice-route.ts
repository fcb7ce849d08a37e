import type { EnvironmentSettings, NoticeRoute } from '../contract';

/** The route an environment's resolved settings give its notices: Slack when the worker can post there, else the log. */
export function noticeRoute(settings: EnvironmentSettings): NoticeRoute {
  return settings.notifyTo === 'slack' && settings.slackChannel !== undefined
    ? { to: 'slack', channel: settings.slackChannel }
    : { to: 'log' };
}
