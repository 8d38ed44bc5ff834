/** A collector that cannot observe exits 2 with one line naming it, not "internal error". */
import { expect, it } from 'vitest';
import { CollectorError } from '../../collectors/collector-error.ts';
import { reportError } from '../../evidence/cli/main.ts';
import { captureStderr } from '../helpers/capture-stderr.ts';

it('CollectorError: exit 2 and a one-line cause', async () => {
  const { result, said } = await captureStderr(() => reportError('check', new CollectorError('schema', new Error('relation "pg_x" does not exist\n  at Query'))));
  expect(result).toBe(2);
  expect(said).toMatchInlineSnapshot(`
    "trust check: collector schema failed: relation "pg_x" does not exist
    "
  `);
});
