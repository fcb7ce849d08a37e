// What a failing test prints besides its own error: the tail of each server's and worker's output that the test file
// started (test/environment.js prints them when a test fails), so that CI's log alone explains a failure.

/** A source of output, read only if a test fails. */
export type OutputSource = () => string;

const KEY = '__deploymentCoordinatorOutputs';

/** Keeps `output` (a server's, a worker's) to print if a test of this file fails. */
export function keepForDiagnosis(name: string, output: OutputSource): void {
  const store = globalThis as unknown as Record<string, Map<string, OutputSource> | undefined>;
  const sources = (store[KEY] ??= new Map<string, OutputSource>());
  let unique = name;
  for (let n = 2; sources.has(unique); n += 1) unique = `${name} #${n}`;
  sources.set(unique, output);
}

/**
 * Entries kept in memory, the newest `limit`, for output that has no other home; formatted only when read, so that
 * keeping them costs a passing test next to nothing.
 */
export class OutputTail<T> {
  private readonly entries: T[] = [];

  constructor(
    private readonly format: (entry: T) => string,
    private readonly limit = 400,
  ) {}

  add(entry: T): void {
    this.entries.push(entry);
    if (this.entries.length > this.limit) this.entries.shift();
  }

  text(): string {
    return this.entries.map(this.format).join('\n');
  }
}
