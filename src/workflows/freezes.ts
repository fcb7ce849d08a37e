// Freezes by hand and calendars, asked for by deployctl: each a short workflow around one local activity, since the
// environments, their windows and Slack are known to the worker's config alone. Its history records who and why.
import type { EnvironmentCalendarView, FreezeChange } from '../contract';
import { bookkeeping } from './activity-options';

/** Sets or lifts a freeze by hand (deployctl freeze and unfreeze); returns the environments it changed. */
export async function changeFreeze(change: FreezeChange): Promise<string[]> {
  return bookkeeping.changeFreezes(change);
}

/** What is closed now and the windows ahead (deployctl freezes). */
export async function environmentCalendars(asked: {
  environments?: string[];
  days: number;
}): Promise<EnvironmentCalendarView[]> {
  return bookkeeping.environmentCalendars(asked);
}
