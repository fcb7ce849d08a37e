const { availableParallelism } = require('node:os');

/** @type {import('jest').Config} */
const shared = {
  testEnvironment: 'node',
  // Transpiled file by file without type-checking (tsconfig.json sets isolatedModules, so each file can be): tsc checks
  // the types once in the build and in lint. Type-checking each test file as Jest loads it cost about 6 s of CPU a
  // file, the setup's too.
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  setupFiles: ['<rootDir>/test/setup-logging.ts'],
};

module.exports = {
  projects: [
    // Pure modules (queue order, ETAs, stack outcome, result, config, rendering): no server, seconds in all.
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
    },
    // End to end: a real Temporal server, the real worker, deployctl, moto, a local Slack endpoint. deployctl is the
    // single file users download, copied alone into an empty directory (test/global-setup.ts).
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/*.test.ts'],
      // A failing test prints the tail of every server's and worker's output its file started.
      testEnvironment: '<rootDir>/test/environment.js',
      globalSetup: '<rootDir>/test/global-setup.ts',
    },
  ],
  testTimeout: 120_000,
  // The longest files first, with or without Jest's timings from an earlier run (test/sequencer.js).
  testSequencer: '<rootDir>/test/sequencer.js',
  // Each end-to-end file starts its own Temporal server and worker and spends much of its time waiting on them, on
  // timers and on child processes: three files at once on two cores keep both busy (421-477 s of Jest wall time
  // against 717-738 s with two). Under that load workflow tasks time out, which the chaos test once met as the SDK
  // running a lock on events outside a workflow task; the guard's second rule refuses that since 1.9 (ADR 9). A
  // number, not '150%': in a config file Jest reads a percentage as that many workers.
  maxWorkers: Math.max(3, Math.floor(availableParallelism() * 1.5)),
};
