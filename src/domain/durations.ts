import ms from 'ms';

// A unit is required: a bare "30" is more likely a mistake (seconds? minutes?) than a millisecond count.
const DURATION = /^\d+(\.\d+)?\s*(ms|s|m|h|d)$/;
/** What a duration looks like in the config (surrounding blanks allowed). */
export const DURATION_PATTERN = /^\s*\d+(\.\d+)?\s*(ms|s|m|h|d)\s*$/;

/** Parses "30s", "10m", "1h" into milliseconds; undefined when the text is not such a duration. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION.test(text.trim())) return undefined;
  const value = ms(text.trim() as ms.StringValue);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

/** "450ms", "12s", "2m 30s", "1h 15m", "14d": two units at most, for people reading a queue or a Slack message. */
export function formatDuration(milliseconds: number): string {
  const total = Math.max(0, Math.round(milliseconds));
  if (total < 1000) return `${total}ms`;
  const seconds = Math.round(total / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m ${seconds % 60}s`;
  const hours = Math.floor(minutes / 60);
  // Past two days, days read better than hours (a 14-day maxAge).
  if (hours >= 48) return hours % 24 === 0 ? `${hours / 24}d` : `${Math.floor(hours / 24)}d ${hours % 24}h`;
  return minutes % 60 === 0 ? `${hours}h` : `${hours}h ${minutes % 60}m`;
}
