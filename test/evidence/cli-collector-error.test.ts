/** A collector that cannot observe exits 2 with one line naming it, not "internal error". */
import { expect, it } from 'vitest';
import { CollectorError } from '../../collectors/collector-error.ts';
import { reportError } from '../../evidence/cli/main.ts';

it('CollectorError: exit 2 and a one-line cause', () => {
  const write = process.stderr.write;
  let said = '';
  process.stderr.write = ((s: string) => {
    said += s;
    return true;
  }) as typeof process.stderr.write;
  try {
    expect(reportError('check', new CollectorError('schema', new Error('relation "pg_x" does not exist\n  at Query')))).toBe(2);
  } finally {
    process.stderr.write = write;
  }
  expect(said).toMatchInlineSnapshot(`
    "trust check: collector schema failed: relation "pg_x" does not exist
    "
  `);
});
