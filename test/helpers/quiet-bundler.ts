import type { BundleOptions } from '@temporalio/worker';

/** A logger for bundling the workflows in tests: warnings and errors only, none of webpack's listing. */
export const QUIET_BUNDLER: NonNullable<BundleOptions['logger']> = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: console.warn,
  error: console.error,
};
