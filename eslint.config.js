// Lint: TypeScript's recommended rules everywhere, and in workflow code a ban on Node
// built-ins and on modules that do I/O — workflow code must stay deterministic and
// runs in Temporal's sandbox, where those cannot work. Workflow code is what the bundle
// (flows/workflows.ts) pulls in: each flow's workflow.ts and contract.ts, and flows/shared/.
// A contract is also imported by the API, activities and lib/, so it imports no
// side-effecting code at all (not even types) and, within flows/, only other contracts.
const { builtinModules } = require('node:module');
const tseslint = require('typescript-eslint');
const js = require('@eslint/js');

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/** Files the workflow bundle pulls in (test/lint checks that it pulls in no other file of flows/). */
const WORKFLOW_CODE = ['flows/workflows.ts', 'flows/**/workflow.ts', 'flows/**/contract.ts', 'flows/shared/**/*.ts'];
const CONTRACTS = ['flows/**/contract.ts'];

const RESTRICTED_PACKAGES = [
  ...nodeBuiltins.map((name) => ({ name, message: 'Node built-ins are not allowed in workflow code (use activities).' })),
  ...['pg', 'ioredis', 'express', 'nodemailer', 'zod', 'pino', 'tencentcloud-sdk-nodejs-sms', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'].map((name) => ({
    name,
    message: 'Workflow code must not import I/O or heavy modules; call an activity.',
  })),
];

/** activities/, db/, providers/, api/, http/, worker/ at any depth (flows/x/workflow.ts reaches them by ../../).
 *  A flow's start.ts, routes.ts and openapi.ts are API code beside its workflow: no glob above names them. */
const SIDE_EFFECTING_CODE = (allowTypeImports) => ({
  regex: '^(\\.\\.?/)+(activities|db|providers|api|http|worker)(/.*)?$',
  allowTypeImports,
  message: allowTypeImports ? 'Workflows may import only types from side-effecting code.' : 'A contract imports nothing from side-effecting code, not even types.',
});

/** Within flows/ (./x or ../y/x, never ../../), a contract imports only contracts. */
const WORKFLOW_CODE_IN_CONTRACTS = {
  regex: '^\\.\\.?/(?!\\.)(?!(.*/)?contract$)',
  message: 'A contract imports only other contracts from flows/ (the API and activities import it).',
};

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
    files: WORKFLOW_CODE,
    rules: { 'no-restricted-imports': ['error', { paths: RESTRICTED_PACKAGES, patterns: [SIDE_EFFECTING_CODE(true)] }] },
  },
  {
    // after the block above: for a contract these options replace its
    files: CONTRACTS,
    rules: { 'no-restricted-imports': ['error', { paths: RESTRICTED_PACKAGES, patterns: [SIDE_EFFECTING_CODE(false), WORKFLOW_CODE_IN_CONTRACTS] }] },
  },
);
