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

/** Lines kept in memory, the newest `limit`: for output that has no other home. */
export class OutputTail {
  private readonly lines: string[] = [];

  constructor(private readonly limit = 400) {}

  add(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.limit) this.lines.splice(0, this.lines.length - this.limit);
  }

  text(): string {
    return this.lines.join('\n');
  }
}
