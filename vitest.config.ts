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
                // What depends on the server version: the platform's SQL (migrations, triggers,
                // RLS, the chain), the collectors' catalog queries and the structure checks over
                // them, and every live check on a real demo. The other break tests replay the same
                // rows and files on both versions, and the bulk generator's minutes-long build is
                // the same COPY everywhere: one pass (PostgreSQL 17) proves them, and the suite
                // stays inside CI's budget.
                include: ['test/platform/**/*.test.ts', 'test/collectors/**/*.test.ts'],
                exclude: [
                  'test/platform/bulk-demo.test.ts',
                  'test/collectors/break-behind-data.test.ts',
                  'test/collectors/break-behind-artifacts.test.ts',
                  'test/collectors/break-behind-tls-backup.test.ts',
                  'test/collectors/break-controls.test.ts',
                ],
              },
            },
          ]
        : []),
    ],
  },
});
