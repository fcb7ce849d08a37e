// Deploy commands that stamp their own start and end: a shell and date(1), in nanoseconds, so that no runtime's
// start-up falls inside a handoff figure.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CommandRun {
  correlationId: string;
  /** Milliseconds since the epoch. */
  start: number;
  end: number;
}

/**
 * A fresh, empty stamp file, and the deploy command (argv) that appends its run to it; with `seconds`, the command
 * runs that long between its two stamps.
 */
export function stampingCommand(seconds = 0): { file: string; command: string[] } {
  const file = join(mkdtempSync(join(tmpdir(), 'bench-stamps-')), 'stamps.log');
  writeFileSync(file, '');
  const script =
    seconds > 0
      ? `started=$(date +%s%N); sleep ${seconds}; echo "$CORRELATION_ID $started $(date +%s%N)" >> "$0"`
      : 'echo "$CORRELATION_ID $(date +%s%N) $(date +%s%N)" >> "$0"';
  return { file, command: ['sh', '-c', script, file] };
}

/** The runs stamped in the file, in the order they started. */
export function readCommandRuns(file: string): CommandRun[] {
  const ms = (ns: string) => Number(BigInt(ns) / 1000n) / 1000;
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [correlationId, start, end] = line.split(' ');
      return { correlationId: correlationId!, start: ms(start!), end: ms(end!) };
    })
    .sort((a, b) => a.start - b.start);
}

/** From each command's end to the next one's start; throws if two overlapped (the lock would be broken). */
export function commandHandoffs(runs: readonly CommandRun[]): number[] {
  const handoffs = runs.slice(1).map((run, i) => run.start - runs[i]!.end);
  if (handoffs.some((gap) => gap < 0)) throw new Error('deploy commands overlapped: the lock is broken');
  return handoffs;
}
