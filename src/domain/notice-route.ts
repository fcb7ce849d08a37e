import type { EnvironmentSettings, NoticeRoute } from '../contract';

/** Where an environment's notices go, by its resolved settings: Slack when the worker can post there, else the log. */
export function noticeRoute(settings: EnvironmentSettings): NoticeRoute {
  return settings.notifyTo === 'slack' && settings.slackChannel !== undefined
    ? { to: 'slack', channel: settings.slackChannel }
    : { to: 'log' };
}
