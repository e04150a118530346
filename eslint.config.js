// Lint: TypeScript's recommended rules everywhere, and in workflow code a ban on Node
// built-ins and on modules that do I/O — workflow code must stay deterministic and
// runs in Temporal's sandbox, where those cannot work. Workflow code is what the bundle
// (flows/workflows.ts) pulls in: each flow's workflow.ts and contract.ts, and the files
// directly in flows/shared/. A flow's folder also holds its activities (activities.ts), and
// flows/shared/activities/ the ones flows share: those run in the worker's Node process, use
// pg, Redis and the providers, and are side-effecting code the workflows may only type by.
// A contract is also imported by the API, activities and lib/, so it imports no
// side-effecting code at all (not even types) and, within flows/, only other contracts.
// The other way round, activity code never loads workflow code (its functions throw
// outside a workflow), except as types.
const { builtinModules } = require('node:module');
const tseslint = require('typescript-eslint');
const js = require('@eslint/js');

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/** A workflow split in parts keeps them beside it, named here (test/lint names any it misses). */
const WORKFLOW_PARTS = ['flows/rebind/run.ts', 'flows/rebind/proof-by-*.ts', 'flows/face-check/owner.ts', 'flows/face-check/settle.ts', 'flows/face-scene/by-code.ts'];
/** Files the workflow bundle pulls in (test/lint checks that it pulls in no other file of flows/). */
// flows/registry.ts too: the bundle reads each kind's versioning behaviour from it
const WORKFLOW_CODE = ['flows/workflows.ts', 'flows/registry.ts', 'flows/*/workflow.ts', 'flows/*/contract.ts', 'flows/shared/*.ts', ...WORKFLOW_PARTS];
const CONTRACTS = ['flows/*/contract.ts'];
/** The activities of flows/: all of them, each flow's, the shared ones and what they are built over. */
const ACTIVITY_CODE = ['flows/activities.ts', 'flows/activity-deps.ts', 'flows/*/activities.ts', 'flows/shared/activities/**/*.ts'];

const RESTRICTED_PACKAGES = [
  ...nodeBuiltins.map((name) => ({ name, message: 'Node built-ins are not allowed in workflow code (use activities).' })),
  ...['pg', 'ioredis', 'express', 'nodemailer', 'zod', 'pino', 'tencentcloud-sdk-nodejs-sms', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'].map((name) => ({
    name,
    message: 'Workflow code must not import I/O or heavy modules; call an activity.',
  })),
];

/** db/, providers/, api/, http/, worker/ at any depth (flows/x/workflow.ts reaches them by ../../).
 *  A flow's start.ts, routes.ts and openapi.ts are API code beside its workflow: no glob above names them. */
const SIDE_EFFECTING_CODE = (allowTypeImports) => ({
  regex: '^(\\.\\.?/)+(db|providers|api|http|worker)(/.*)?$',
  allowTypeImports,
  message: allowTypeImports ? 'Workflows may import only types from side-effecting code.' : 'A contract imports nothing from side-effecting code, not even types.',
});

/**
 * Activity code in flows/, however it is reached: a flow's activities (./activities,
 * ../bind/activities), all of them (../activities), the shared ones (../shared/activities/…,
 * ./activities/… from flows/shared/) and their deps (../activity-deps). A contract needs no
 * pattern of its own for these: it imports nothing in flows/ but contracts.
 */
const ACTIVITY_CODE_IN_WORKFLOWS = {
  regex: '^(\\.\\.?/)+(.*/)?(activities|activity-deps)(/.*)?$',
  allowTypeImports: true,
  message: 'Workflows may import only types from activity code.',
};

/** Workflow code as activity code reaches it: a flow's workflow, the bundle entry, the workflow-side shared files. */
const WORKFLOW_CODE_FROM_ACTIVITIES = {
  regex: '^(\\.\\.?/)+(.*/)?(workflows?|code-challenge|flow-status|activity-options|run-key|run|proof-by-[a-z-]+|owner)$',
  allowTypeImports: true,
  message: 'Activity code imports only types from workflow code (it calls workflow APIs at load and in its functions).',
};

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
    rules: { 'no-restricted-imports': ['error', { paths: RESTRICTED_PACKAGES, patterns: [SIDE_EFFECTING_CODE(true), ACTIVITY_CODE_IN_WORKFLOWS] }] },
  },
  {
    // after the block above: for a contract these options replace its
    files: CONTRACTS,
    rules: { 'no-restricted-imports': ['error', { paths: RESTRICTED_PACKAGES, patterns: [SIDE_EFFECTING_CODE(false), WORKFLOW_CODE_IN_CONTRACTS] }] },
  },
  {
    files: ACTIVITY_CODE,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: '@temporalio/workflow', allowTypeImports: true, message: 'Activity code runs outside a workflow: the workflow SDK is for types here.' }],
          patterns: [WORKFLOW_CODE_FROM_ACTIVITIES],
        },
      ],
    },
  },
);
