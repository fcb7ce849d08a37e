// Lint rules of the official Temporal TypeScript samples, on typescript-eslint's flat config.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

/** Workflow modules are shared by all workflows on a worker: state at module level would be shared too. */
const MODULE_STATE = {
  selector: ':matches(Program, ExportNamedDeclaration) > VariableDeclaration[kind!="const"]',
  message: 'Workflow modules are loaded once for all workflows: keep state in the workflow, not in the module.',
};

module.exports = tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      '.tools/',
      '.data/',
      '.venv/',
      'coverage/',
      'test/fixtures/',
      'bin/',
      'bundle/',
    ],
  },
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
    // Workflow code runs in a deterministic sandbox: no Node built-ins. Everything workflow code may import lives in
    // these folders, so a new file there is held to the rule without anyone listing it.
    files: ['src/contract/**/*.ts', 'src/domain/**/*.ts', 'src/notices/**/*.ts', 'src/workflows/**/*.ts'],
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
    // The worker loads workflow code once for all workflows (src/worker/workflow-bundle.ts): no module may keep a
    // workflow's state in a variable of its own.
    files: ['src/contract/**/*.ts', 'src/domain/**/*.ts', 'src/notices/**/*.ts', 'src/workflows/patches.ts'],
    rules: { 'no-restricted-syntax': ['error', MODULE_STATE] },
  },
  {
    // A patch ID is recorded in histories: each has one home, the catalogue, with its retirement.
    files: ['src/workflows/**/*.ts'],
    ignores: ['src/workflows/patches.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        MODULE_STATE,
        {
          selector: 'CallExpression[callee.name=/^(patched|deprecatePatch)$/] > .arguments:not(MemberExpression)',
          message: 'Patch IDs come from workflows/patches.ts: patched(PATCHES.name.id).',
        },
      ],
    },
  },
  {
    // Layers, lowest first: contract, domain, notices, then workflows / activities / cli. Nothing imports upward.
    files: ['src/contract/**/*.ts', 'src/domain/**/*.ts', 'src/notices/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(workflows|activities|cli|cloudformation|cdk|connection|process|worker|config)(/|$)',
              message: 'The contract, domain rules and notice rendering sit below workflows, activities and deployctl.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/contract/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex:
                '^\\.\\./(domain|notices|workflows|activities|cli|cloudformation|cdk|connection|process|worker|config)(/|$)',
              message: 'The contract is the lowest layer: it imports nothing of the project.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex:
                '^\\.\\./(notices|workflows|activities|cli|cloudformation|cdk|connection|process|worker|config)(/|$)',
              message: 'Domain rules import only the contract.',
            },
          ],
        },
      ],
    },
  },
  {
    // deployctl is a client: it must start fast and small, so nothing of the worker side may load with it.
    files: ['src/cli/**/*.ts', 'src/action/**/*.ts', 'src/client/**/*.ts'],
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
              // (The cloud assembly reader is plain file reading: deploy checks a local assembly with it.)
              regex: '^\\.\\./(activities|cloudformation|cdk/(?!cloud-assembly$)|notices|worker|process/logger)',
              allowTypeImports: true,
              message: 'deployctl is a client: import the worker side for types only.',
            },
            {
              regex: '^\\.\\./workflows(/|$)',
              allowTypeImports: true,
              message: 'deployctl is a client: workflow code for types only (the contract and domain are shared).',
            },
            {
              // The client library sits below both front ends.
              regex: '^\\.\\./(cli|action)(/|$)',
              message: 'deployctl and the action are front ends over src/client: it imports neither.',
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
        __filename: 'readonly',
        Buffer: 'readonly',
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
