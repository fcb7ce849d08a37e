/** @type {import('jest').Config} */
const shared = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  setupFiles: ['<rootDir>/test/setup-logging.ts'],
};

module.exports = {
  projects: [
    // Pure modules (queue order, ETAs, stack outcome, result, config, rendering): no server, seconds in all.
    // Transpiled without type-checking (tsc checks types in the build and in lint): type-checking file by file
    // took most of their time.
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'test/unit/tsconfig.json' }] },
    },
    // End to end: a real Temporal server, the real worker, deployctl, moto, a local Slack endpoint.
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/*.test.ts'],
      // A failing test prints the tail of every server's and worker's output its file started.
      testEnvironment: '<rootDir>/test/environment.js',
      globalSetup: '<rootDir>/test/global-setup.ts',
    },
    // deployctl's contract once more, run by the single-file build copied alone into an empty directory.
    {
      ...shared,
      displayName: 'single-file',
      testEnvironment: '<rootDir>/test/environment.js',
      testMatch: ['<rootDir>/test/{cli-deploy,cli-bad-input,cli-unavailable,cli-interrupt,cli-run,cancel}.test.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      setupFiles: [...shared.setupFiles, '<rootDir>/test/single-file-deployctl.ts'],
    },
  ],
  testTimeout: 120_000,
  // Each end-to-end file starts its own Temporal server and worker: two at once fit two cores.
  maxWorkers: 2,
};
