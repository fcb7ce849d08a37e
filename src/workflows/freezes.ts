// Freezes by hand and calendars, asked for by deployctl: each a short workflow around one local activity, since the
// environments, their windows and Slack are known to the worker's config alone. Its history records who and why.
import { type EnvironmentCalendarView, type FreezeChange } from '../contract';
import { findCause } from '../domain/error-cause';
import { recordOperatorRefused } from './metrics';
import { isAccessDenied } from './operators';
import { bookkeeping } from './activity-options';

/** Sets or lifts a freeze by hand (deployctl freeze and unfreeze); returns the environments it changed. */
export async function changeFreeze(change: FreezeChange): Promise<string[]> {
  try {
    return await bookkeeping.changeFreezes(change);
  } catch (err) {
    // Refused by an environment's operator rules: counted as the lock's and the deployment's refusals are.
    const refusal = findCause(err, isAccessDenied);
    if (refusal) {
      const [refused] = (refusal.details ?? []) as Array<{ environment?: string; check?: string } | undefined>;
      recordOperatorRefused(refused?.environment ?? 'unknown', 'freeze', refused?.check ?? 'rule');
    }
    throw err;
  }
}

/** What is closed now and the windows ahead (deployctl freezes). */
export async function environmentCalendars(asked: {
  environments?: string[];
  days: number;
}): Promise<EnvironmentCalendarView[]> {
  return bookkeeping.environmentCalendars(asked);
}
