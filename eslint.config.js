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
