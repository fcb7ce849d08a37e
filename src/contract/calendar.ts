// When an environment may change: its windows from config, a freeze by hand, and why it is closed when it is.

/** A window that recurs: it opens at each time `cron` names (in `timezone`) and stays open for `durationMs`. */
export interface RecurringWindow {
  cron: string;
  durationMs: number;
  /** An IANA time zone (Europe/Berlin); the cron's hours and days are read in it. */
  timezone: string;
  reason?: string;
}

/** A window that happens once, from `from` until `until` (epoch milliseconds). */
export interface OneOffWindow {
  from: number;
  until: number;
  reason?: string;
}

export type TimeWindow = RecurringWindow | OneOffWindow;

/** An environment's windows: it is closed inside a freeze and, when it has deploy windows, outside all of them. */
export interface EnvironmentCalendar {
  freeze: TimeWindow[];
  /** Allow windows; empty: always allowed (unless frozen). */
  deployWindows: TimeWindow[];
}

/** A freeze set by a person (deployctl freeze): it lasts until lifted, or until `until` passes. */
export interface ManualFreeze {
  reason: string;
  by?: string;
  /** When it was set (workflow time). */
  at: number;
  until?: number;
}

export type ClosureKind = 'frozen-by-hand' | 'freeze-window' | 'outside-deploy-windows';

/** Why an environment is closed now, and when it opens. */
export interface Closure {
  kind: ClosureKind;
  reason: string;
  /** Who froze it (a freeze by hand). */
  by?: string;
  /** When it opens again by the calendar alone; absent: not until a person lifts the freeze. */
  opensAt?: number;
}

/** A request's leave to deploy through a closed environment (deployctl deploy --override-freeze). */
export interface FreezeOverride {
  reason: string;
  by?: string;
}

/** A stretch of one of an environment's windows, as `deployctl freezes` lists them. */
export interface CalendarEntry {
  kind: 'freeze' | 'deploy-window';
  start: number;
  end: number;
  reason?: string;
  timezone?: string;
}

export interface FreezeChange {
  /** The environments; absent: every environment in the worker's config. */
  environments?: string[];
  /** Lift the freeze instead of setting one. */
  lift: boolean;
  reason: string;
  by?: string;
  /** The operator's ID token, which the worker verifies against the environments' operator rules. */
  idToken?: string;
  /** When a freeze ends by itself (epoch milliseconds); absent: when it is lifted. */
  until?: number;
}

export interface EnvironmentCalendarView {
  environment: string;
  /** Why it is closed now and until when; null when open. */
  closure: Closure | null;
  /** How many requests wait there now (0 when its lock has not started). */
  waiting: number;
  /** The stretches of its windows from now over the days asked for. */
  upcoming: CalendarEntry[];
}
