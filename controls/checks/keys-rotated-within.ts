import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import type { EncryptionFacts } from '../../collectors/encryption.ts';
import { factsOf, fail, pass } from './helpers.ts';

export default defineCheck({
  id: 'keys_rotated_within',
  kind: 'data',
  description: 'The active encryption key is younger than the rotation period, and no stored ciphertext uses a key version older than the grace period.',
  collectors: ['encryption'],
  params: z
    .object({
      /** Maximum age of the active key. @example 90 */
      days: z.number().int().positive(),
      /** Ciphertexts under non-active versions are allowed only while those keys are younger than this (re-encryption window). Default: unlimited, as long as the keyring holds them. */
      retiredGraceDays: z.number().int().positive().optional(),
    })
    .strict(),
  evaluate(facts, { days, retiredGraceDays }) {
    const e = factsOf<EncryptionFacts>(facts, 'encryption');
    if (!e.keyring) return [fail('No keyring is configured, so no key rotation can be shown.', { resource: 'config:keyring' })];
    const active = e.keyring.versions.find((v) => v.active);
    const out: Finding[] = [];
    const resource = { resource: `config:keyring.version.${e.keyring.activeVersion}` };
    if (!active || active.ageDays === null) out.push(fail(`Active key version ${e.keyring.activeVersion} has no creation date, so its age is unknown.`, resource));
    else if (active.ageDays > days) out.push(fail(`Active key version ${active.version} is ${active.ageDays} days old, older than ${days} days.`, resource, `age=${active.ageDays}d`));
    else
      out.push(
        pass(`Active key version ${active.version} is ${active.ageDays} day(s) old (limit ${days}); the keyring holds ${e.keyring.versions.length} version(s).`, resource, `age=${active.ageDays}d`),
      );
    if (retiredGraceDays !== undefined) {
      for (const c of e.columns) {
        for (const v of c.versions) {
          const key = e.keyring.versions.find((k) => k.version === v.keyVersion);
          if (key && !key.active && (key.ageDays ?? Infinity) > retiredGraceDays) {
            out.push(
              fail(`Column \`${c.table}.${c.column}\` still holds ${v.count} value(s) under retired key version ${v.keyVersion} (${key.ageDays} days old).`, {
                resource: `column:${c.table}.${c.column}`,
              }),
            );
          }
        }
      }
    }
    return out;
  },
});
