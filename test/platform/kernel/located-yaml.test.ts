/**
 * The platform's config loaders report every problem of a file at once, each at its
 * file:line:col and JSON pointer, through the kernel's located-YAML loader.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEncryptionConfig } from '../../../platform/crypto/encrypted-columns.ts';
import { loadRetentionConfig } from '../../../platform/privacy/retention-config.ts';
import { loadToolsConfig } from '../../../platform/tools/tool-controls.ts';
import { InputError } from '../../../platform/kernel/errors.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'located-'));
function errorOf(load: (file: string) => unknown, name: string, text: string): InputError {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  try {
    load(file);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('no error');
}
const rel = (s: string) => s.split(path.relative(process.cwd(), dir) + '/').join('');

describe('config loaders report every issue with file:line', () => {
  it('the committed config files load', () => {
    expect(() => {
      loadEncryptionConfig();
      loadRetentionConfig();
      loadToolsConfig();
    }).not.toThrow();
  });

  it('retention: two bad values, both located', () => {
    const e = errorOf(
      loadRetentionConfig,
      'retention.yaml',
      [
        'account_deletion:',
        '  purge_within_days: 45',
        '  kept_after_purge: []',
        '  anonymise_account_name: true',
        'rules:',
        '  - table: Audit-Events',
        '    timestamp_column: at',
        '    keep_days: 90',
        '    reason: kept for audits',
        '',
      ].join('\n'),
    );
    expect(rel(e.message)).toMatchInlineSnapshot(`"retention.yaml:2:3 /account_deletion/purge_within_days  Too big: expected number to be <=30. (2 config errors)"`);
    expect(e.details.map(rel)).toMatchInlineSnapshot(`
      [
        "retention.yaml:2:3 /account_deletion/purge_within_days  Too big: expected number to be <=30.",
        "retention.yaml:6:5 /rules/0/table  must be a lower-case SQL identifier.",
      ]
    `);
  });

  it('encrypted columns and tool controls: YAML errors and schema errors are located', () => {
    const enc = errorOf(loadEncryptionConfig, 'encryption.yaml', 'key_sources: [a\ncolumns: []\n');
    expect(rel(enc.message)).toMatch(/^encryption\.yaml:1:\d+ .*never closed/);
    const tools = errorOf(loadToolsConfig, 'tools.yaml', 'nonsense: 1\nalso: 2\n');
    expect(tools.details.length).toBeGreaterThanOrEqual(2);
    for (const d of tools.details) expect(rel(d)).toMatch(/^tools\.yaml:\d+:\d+ \//);
  });
});
