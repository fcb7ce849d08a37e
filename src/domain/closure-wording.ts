// How a closed environment and a freeze are said: deployctl's lines, its queue and status, Slack, refusals.
import type { Closure, FreezeChange, FreezeOverride } from '../contract/calendar';
import { formatDuration } from './durations';

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** "Mon 2026-12-07 08:00 UTC": one zone for everybody who reads it, with the weekday people plan by. */
export function formatInstant(at: number): string {
  const date = new Date(at);
  return `${WEEKDAYS[date.getUTCDay()]} ${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "Deployed through a freeze (override by ana): hotfix for incident 42". */
export function overrideWords(override: FreezeOverride): string {
  return `Deployed through a freeze (override${override.by ? ` by ${override.by}` : ''}): ${override.reason}`;
}

/** "scheduled: joins the queue at Mon 2026-12-07 08:00 UTC". */
export function scheduledWords(at: number): string {
  return `scheduled: joins the queue at ${formatInstant(at)}`;
}

/** When it opens: "until Mon 2026-12-07 08:00 UTC (in 2h 5m)", or "until the freeze is lifted". */
export function untilWords(closure: Closure, now: number): string {
  if (closure.opensAt === undefined) return 'until the freeze is lifted';
  return `until ${formatInstant(closure.opensAt)} (in ${formatDuration(closure.opensAt - now)})`;
}

/**
 * "frozen until Mon 2026-12-07 08:00 UTC (in 2h 5m): weekend freeze", "frozen by ana until the freeze is lifted:
 * incident 42", "closed until ...: outside its deploy windows".
 */
export function closureLine(closure: Closure, now: number): string {
  const until = untilWords(closure, now);
  switch (closure.kind) {
    case 'frozen-by-hand':
      return `frozen${closure.by ? ` by ${closure.by}` : ''} ${until}: ${closure.reason}`;
    case 'freeze-window':
      return `frozen ${until}: ${closure.reason}`;
    case 'outside-deploy-windows':
      return `closed ${until}: ${closure.reason}`;
  }
}

/** What a freeze or its lifting says, in Slack and the worker log. */
export function freezeAnnouncement(environment: string, change: FreezeChange): string {
  const by = change.by === undefined ? '' : ` by ${change.by}`;
  if (change.lift) return `:sunny: ${environment}: freeze lifted${by}: ${change.reason}`;
  const until = change.until === undefined ? 'until lifted' : `until ${formatInstant(change.until)}`;
  return `:snowflake: ${environment}: frozen${by} ${until}: ${change.reason}. Requests wait in order.`;
}
