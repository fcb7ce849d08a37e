/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  setupFiles: ['<rootDir>/test/setup-logging.ts'],
  globalSetup: '<rootDir>/test/global-setup.ts',
  testTimeout: 120_000,
  // Each file starts its own Temporal server and worker: two at once fit two cores.
  maxWorkers: 2,
};
