/** Unit specs live next to the code (*.spec.ts); suites that start real services live in test/ (*.e2e-spec.ts). */
const swc = JSON.parse(require('fs').readFileSync(`${__dirname}/.swcrc`, 'utf8'));
delete swc.$schema;
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swc, swcrc: false, sourceMaps: 'inline' }] },
  moduleNameMapper: { '^@wharf/([^/]+)$': '<rootDir>/libs/$1/src', '^@wharf/([^/]+)/(.*)$': '<rootDir>/libs/$1/src/$2' },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  modulePathIgnorePatterns: ['<rootDir>/.test-services', '<rootDir>/dist', '<rootDir>/data'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/.test-services/', '<rootDir>/dist/'],
  testTimeout: 120000,
  maxWorkers: 1,
};
