/**
 * Three projects: `unit` (pure tests beside the code, src/**), and the whole-app tests in test/**
 * run twice — on the embedded store (PGlite) and on the PostgreSQL server (DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/test), each test file in a schema of its own.
 */
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }];
const base = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj)s$': swc },
  transformIgnorePatterns: ['/node_modules/(?!(fhir-kit-client)/)'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
};
module.exports = {
  testTimeout: 60000,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/scripts/**/*.test.ts'] },
    { ...base, displayName: 'pglite', testMatch: ['<rootDir>/test/**/*.test.ts'], setupFiles: ['<rootDir>/test/support/store-pglite.js'] },
    { ...base, displayName: 'postgres', testMatch: ['<rootDir>/test/**/*.test.ts'], setupFiles: ['<rootDir>/test/support/store-postgres.js'] },
  ],
};
