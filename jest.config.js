// Three projects, by what a suite needs:
//   unit   test/unit: nothing but Node (no server, no tool): `npm run test:unit`, seconds.
//   lint   test/lint: checks on the repository's own files (import graph, workflow imports
//          through ESLint, docker-compose.yml through the Compose CLI); no server either,
//          but tens of seconds: `jest --selectProjects lint`.
//   stack  everything else, over the real stack test/support/global-setup.ts starts once per
//          run (database, workflow bundle, Temporal dev server).
// Only the stack project has a global setup, and Jest runs a project's global setup only when
// at least one of its suites is selected, so `jest test/unit` starts nothing. `npm test`
// (scripts/test.sh) runs every suite once: unit, then lint and stack.
const ts = { '^.+\\.ts$': 'ts-jest' };
// The stack project leaves the others' folders out by its testMatch, not by
// testPathIgnorePatterns: a --testPathIgnorePatterns on the command line replaces that.
const NO_STACK = ['unit', 'lint'];

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 60000,
  maxWorkers: 2,
  projects: [
    ...NO_STACK.map((dir) => ({
      displayName: dir,
      testEnvironment: 'node',
      roots: [`<rootDir>/test/${dir}`],
      testMatch: ['**/*.test.ts'],
      transform: ts,
    })),
    {
      displayName: 'stack',
      testEnvironment: 'node',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts', ...NO_STACK.map((dir) => `!**/test/${dir}/**`)],
      transform: ts,
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
};
