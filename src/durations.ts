import ms from 'ms';

// A unit is required: a bare "30" is more likely a mistake (seconds? minutes?) than a millisecond count.
const DURATION = /^\d+(\.\d+)?\s*(ms|s|m|h|d)$/;

/** Parses "30s", "10m", "1h" into milliseconds; undefined when the text is not such a duration. */
export function parseDuration(text: string): number | undefined {
  if (!DURATION.test(text.trim())) return undefined;
  const value = ms(text.trim() as ms.StringValue);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

export function formatDuration(milliseconds: number): string {
  return ms(Math.max(0, Math.round(milliseconds)), { long: false });
}
