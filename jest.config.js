/** @type {import('jest').Config} */
const shared = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', isolatedModules: true }] },
};

// Two groups, reported apart: Rampart's own tests, and the tests of the test
// doubles (the fake Slack Web API, signed-request builders, the Slack SDK's own
// behaviour against the fake). The second group checks the tools, not Rampart.
module.exports = {
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 120_000,
  projects: [
    {
      ...shared,
      displayName: 'rampart',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/fakes/'],
    },
    { ...shared, displayName: 'fakes', roots: ['<rootDir>/test/fakes'], testMatch: ['**/*.test.ts'] },
  ],
};
