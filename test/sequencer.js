// Longest files first, so that none starts late and runs on alone at the end. Jest orders by the durations it kept
// from the last run, and a fresh machine (CI) has none: it then runs files by size, which put the chaos test (the
// longest, one of the smallest files) near the end, about 50 s more of wall time with two files at once. The seconds
// below (a two-at-once run on 2 cores) stand in for Jest's own until it has them; only their order matters.
const { basename } = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

const SECONDS = {
  'chaos.test.ts': 190,
  'freezes.test.ts': 100,
  'cdk-worker-lost.test.ts': 100,
  'replay.test.ts': 60,
  'github-deployments.test.ts': 60,
  'worker-lost.test.ts': 60,
  'bake.test.ts': 60,
  'governance.test.ts': 55,
  'trust.test.ts': 45,
  'stack-watch.test.ts': 40,
};

class LongestFirst extends Sequencer {
  /** Failed last time first (Jest's rule); then by duration, Jest's or the estimate; then the larger file. */
  sort(tests) {
    // (Jest reads each test's duration to decide whether a few fast files run in band, as its own sort sets it.)
    for (const test of tests) test.duration = this.time(test);
    const key = (test) => ({
      failed: this.hasFailed(test),
      // (Jest keeps milliseconds.)
      ms: test.duration ?? (SECONDS[basename(test.path)] ?? 0) * 1000,
      size: test.context.hasteFS.getSize(test.path) ?? 0,
    });
    const keys = new Map(tests.map((test) => [test, key(test)]));
    return [...tests].sort((testA, testB) => {
      const [a, b] = [keys.get(testA), keys.get(testB)];
      if (a.failed !== b.failed) return a.failed ? -1 : 1;
      return b.ms - a.ms || b.size - a.size;
    });
  }
}

module.exports = LongestFirst;
