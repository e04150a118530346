// Lint: TypeScript's recommended rules everywhere, and in workflows/ a ban on Node
// built-ins and on modules that do I/O — workflow code must stay deterministic and
// runs in Temporal's sandbox, where those cannot work.
const { builtinModules } = require('node:module');
const tseslint = require('typescript-eslint');
const js = require('@eslint/js');

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

module.exports = tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.data/**', '.tools/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly', console: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // the demo console's page script runs in the browser
    files: ['console/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { window: 'readonly', document: 'readonly', fetch: 'readonly', setTimeout: 'readonly', CSS: 'readonly', console: 'readonly' } },
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({ name, message: 'Node built-ins are not allowed in workflow code (use activities).' })),
            ...['pg', 'ioredis', 'express', 'nodemailer', 'zod', 'pino', 'tencentcloud-sdk-nodejs-sms', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'].map((name) => ({
              name,
              message: 'Workflow code must not import I/O or heavy modules; call an activity.',
            })),
          ],
          patterns: [
            { group: ['../activities', '../activities/*', '../db/*', '../providers/*', '../api/*', '../worker/*'], allowTypeImports: true, message: 'Workflows may import only types from side-effecting code.' },
          ],
        },
      ],
    },
  },
);
