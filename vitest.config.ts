import { defineConfig } from 'vitest/config';
import { prepareSystem } from './test/system.ts';

// One embedded PostgreSQL 17 cluster per run (test/global-setup.ts); each test file
// gets its own database cloned from a migrated template. When TRUST_TEST_PG15_URL is
// set (test/system.ts starts Debian's server and sets it), the `pg15` project runs the database tests again against
// Debian's PostgreSQL 15 server.
const shared = {
  testTimeout: 180_000,
  hookTimeout: 300_000,
  pool: 'forks' as const,
  poolOptions: { forks: { maxForks: 2, minForks: 1 } },
};
// Installs what the suite needs from the machine and starts PostgreSQL 15 (test/system.ts).
prepareSystem();
const pg15 = process.env.TRUST_TEST_PG15_URL;

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: 'pg17',
          globalSetup: ['test/global-setup.ts'],
          include: ['test/**/*.test.ts'],
        },
      },
      ...(pg15
        ? [
            {
              test: {
                ...shared,
                name: 'pg15',
                globalSetup: ['test/global-setup-pg15.ts'],
                include: ['test/platform/**/*.test.ts', 'test/collectors/**/*.test.ts'],
                // The bulk generator's scale-2 build takes minutes; its SQL is the same COPY and
                // replica-mode load on every version, so one pass (PostgreSQL 17) proves it and
                // the suite stays inside CI's budget.
                exclude: ['test/platform/bulk-demo.test.ts'],
              },
            },
          ]
        : []),
    ],
  },
});
