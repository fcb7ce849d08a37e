import type { EnvironmentSettings, NoticeRoute } from '../contract';

/** The route an environment's resolved settings give its notices; undefined for settings recorded before routes. */
export function noticeRoute(settings: EnvironmentSettings): NoticeRoute | undefined {
  if (settings.notifyTo === 'log') return { to: 'log' };
  if (settings.notifyTo === 'slack' && settings.slackChannel !== undefined) {
    return { to: 'slack', channel: settings.slackChannel };
  }
  return undefined;
}
