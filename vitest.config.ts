import { defineConfig } from 'vitest/config';

// One embedded PostgreSQL 17 cluster for the whole run (test/global-setup.ts); each
// test file gets its own database cloned from a migrated template. When
// TRUST_TEST_PG15_URL is set (CI), the `pg15` project runs the database tests again
// against Debian's PostgreSQL 15.
export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    include: ['test/**/*.test.ts'],
  },
});
