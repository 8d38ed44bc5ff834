import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import type { EncryptionFacts } from '../../collectors/encryption.ts';
import { factsOf, fail, pass, qname } from './helpers.ts';

export default defineCheck({
  id: 'columns_encrypted',
  kind: 'data',
  scope: ['ciphertext', 'token', 'secret'],
  description: 'Every stored value of the encrypted columns has the keyring ciphertext shape and uses a key version the keyring holds; the columns are listed in the encryption configuration.',
  collectors: ['encryption'],
  params: z
    .object({
      /** `table.column` entries that must be configured as encrypted; default: every configured column. @example ["oauth_connections.refresh_token"] */
      columns: z.array(z.string().regex(/^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/)).default([]),
    })
    .strict(),
  evaluate(facts, { columns }) {
    const e = factsOf<EncryptionFacts>(facts, 'encryption');
    const wanted = columns.length
      ? columns.map((c) => {
          const [t, col] = c.split('.');
          return { table: qname(t), column: col };
        })
      : e.columns.map((c) => ({ table: c.table, column: c.column }));
    const known = new Set(e.keyring?.versions.map((v) => v.version) ?? []);
    return wanted.flatMap(({ table, column }): Finding[] => {
      const c = e.columns.find((x) => x.table === table && x.column === column);
      const resource = { resource: `column:${table}.${column}` };
      if (!c) return [fail(`Column \`${table}.${column}\` is not listed in \`${e.config.file}\`, so nothing encrypts it.`, { ...resource, file: e.config.file })];
      if (c.malformed > 0)
        return [
          fail(`Column \`${table}.${column}\` holds ${c.malformed} of ${c.values} value(s) that do not look like ${e.config.ciphertextFormat} ciphertext.`, resource, `malformed=${c.malformed}`),
        ];
      const unknown = c.versions.filter((v) => e.keyring && !known.has(v.keyVersion));
      if (unknown.length)
        return [
          fail(
            `Column \`${table}.${column}\` holds ${unknown.reduce((s, v) => s + v.count, 0)} value(s) under key version(s) ${unknown.map((v) => v.keyVersion).join(', ')} that the keyring does not hold.`,
            resource,
          ),
        ];
      const byVersion = c.versions.map((v) => `${v.format} v${v.keyVersion}: ${v.count}`).join(', ') || 'no values yet';
      return [pass(`All ${c.values} value(s) of \`${table}.${column}\` are ${e.config.algorithm} ciphertext (${byVersion}).`, resource, `lengths ${c.lengths.min ?? '-'}..${c.lengths.max ?? '-'}`)];
    });
  },
});
