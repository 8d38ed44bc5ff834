/** The `pg15` project: the same database tests against Debian's PostgreSQL 15 (TRUST_TEST_PG15_URL). */
import type { TestProject } from 'vitest/node';
import { setupServer } from './global-setup.ts';

export default function setup(project: TestProject) {
  const url = process.env.TRUST_TEST_PG15_URL;
  if (!url) throw new Error('TRUST_TEST_PG15_URL is not set');
  return setupServer(project, url);
}
