/**
 * Three projects: `unit` (pure tests beside the code, src/**), and the whole-app tests in test/**
 * run twice — on the embedded store (PGlite) and on the PostgreSQL server (DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/test), each test file in a schema of its own. Files named
 * `*.postgres.test.ts` test what only a database server has (processes killed mid-transaction) and
 * run in the postgres project only.
 */
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }];
const base = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: ['/node_modules/(?!(fhir-kit-client|jose)/)'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  // fhir-kit-client 2.x is ESM-only: point jest at its entry file and let swc transform it.
  moduleNameMapper: { '^fhir-kit-client$': '<rootDir>/node_modules/fhir-kit-client/dist/index.js' },
};
module.exports = {
  testTimeout: 60000,
  // Each worker runs many suites in turn and the app's definitions are large: a worker past this is
  // replaced between suites (one worker on a 2-core machine otherwise grew past its heap).
  workerIdleMemoryLimit: '1536MB',
  globalSetup: '<rootDir>/test/support/global-setup.js',
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/scripts/**/*.test.ts', '<rootDir>/bench/**/*.test.ts'] },
    { ...base, displayName: 'pglite', testMatch: ['<rootDir>/test/**/*.test.ts'], testPathIgnorePatterns: ['/node_modules/', '\\.postgres\\.test\\.ts$'], setupFiles: ['<rootDir>/test/support/store-pglite.js'] },
    { ...base, displayName: 'postgres', testMatch: ['<rootDir>/test/**/*.test.ts'], setupFiles: ['<rootDir>/test/support/store-postgres.js'] },
  ],
};
