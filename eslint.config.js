// Lint rules of the official Temporal TypeScript samples, on typescript-eslint's flat config.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.tools/', '.data/', '.venv/', 'coverage/', 'test/fixtures/', 'bin/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code runs in a deterministic sandbox: no Node built-ins.
    files: [
      'src/workflows/**/*.ts',
      'src/names.ts',
      'src/durations.ts',
      'src/settings.ts',
      'src/notifications/slack-message.ts',
      'src/cloudformation/stack-status.ts',
      'src/cdk/cloudformation-names.ts',
      'src/cdk/assembly-location.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Workflow code must stay deterministic: no Node built-ins.' },
            {
              group: ['fs', 'path', 'os', 'child_process', 'crypto', 'http', 'https', 'net'],
              message: 'No Node built-ins in workflow code.',
            },
            {
              group: ['**/activities', '**/activities/*'],
              importNamePattern: '^(?!Activities$)',
              message: 'Import activity types only.',
            },
          ],
        },
      ],
    },
  },
  {
    // deployctl is a client: it must start fast and small, so nothing of the worker side may load with it.
    files: ['src/cli/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@temporalio/worker', '@temporalio/activity', '@aws-sdk/*', '@slack/*', 'aws-cdk', 'pino'],
              message: 'deployctl is a client: no worker-side packages.',
            },
            {
              group: [
                '**/activities',
                '**/activities/*',
                '**/coordinator-worker',
                '**/worker',
                '**/notifications/*',
                '**/logger',
              ],
              allowTypeImports: true,
              message: 'deployctl is a client: import the worker side for types only.',
            },
            {
              // Workflow code too; the contract and the pure result summary are shared with the client.
              regex: '(^|/)workflows(/(?!messages$|result$).*)?$',
              allowTypeImports: true,
              message: 'deployctl is a client: of the workflows it imports only messages and result.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
