import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import type { EncryptionFacts } from '../../collectors/encryption.ts';
import { factsOf, fail, pass } from './helpers.ts';

/**
 * From the data: every stored value of every encrypted column opens with the binding its
 * own row states (row id and owner columns) and with no other, and none still uses the
 * legacy row-only binding (tev1), which a row re-pointed at another owner would not break.
 */
export default defineCheck({
  id: 'ciphertexts_bound_to_owner',
  kind: 'data',
  scope: ['ciphertext', 'secret', 'token'],
  description:
    'Each stored ciphertext opens with its own row id and owner (account, and agent and name for agent secrets) and fails re-bound to another row or owner; no value still uses the row-only tev1 binding.',
  collectors: ['encryption'],
  params: z
    .object({
      /** Owner columns every encrypted column must bind. @example ["account_id"] */
      requireOwner: z.array(z.string().regex(/^[a-z_][a-z0-9_]*$/)).default(['account_id']),
    })
    .strict(),
  evaluate(facts, { requireOwner }) {
    const e = factsOf<EncryptionFacts>(facts, 'encryption');
    return e.columns.map((c): Finding => {
      const name = `${c.table}.${c.column}`;
      const resource = { resource: `column:${name}` };
      const missing = requireOwner.filter((o) => !c.ownerColumns.includes(o));
      if (missing.length)
        return fail(`\`${e.config.file}\` does not bind \`${name}\` to ${missing.join(', ')}: a value moved to another owner would still decrypt.`, {
          resource: 'config:encryption.columns',
          file: e.config.file,
        });
      if (c.legacy > 0)
        return fail(
          `${c.legacy} of ${c.values} value(s) of \`${name}\` still use the tev1 binding (row only), which a row re-pointed at another owner does not break; run \`trust keys rotate\` to re-bind them.`,
          resource,
          `legacy=${c.legacy}`,
        );
      const bound = [c.rowIdColumn, ...c.ownerColumns].join(', ');
      if (c.values === 0) return pass(`\`${name}\` holds no value yet; new values are bound to ${bound}.`, resource);
      const b = c.binding;
      if (!b) return fail(`No keyring is configured, so no value of \`${name}\` could be opened to prove its binding.`, { resource: 'config:keyring' });
      if (b.failureCount > 0) {
        const first = b.failures[0];
        return fail(
          `${b.failureCount} of ${b.checked} value(s) of \`${name}\` do not open with their own row and owner (${[...new Set(b.failures.map((f) => f.reason))].join(', ')}): altered, moved to another row or owner, or under a key the keyring lacks; first row ${first.rowId}.`,
          { resource: `row:${c.table}.${c.rowIdColumn}=${first.rowId}` },
          `failures=${b.failureCount}`,
        );
      }
      if (b.refusedElsewhere < b.probed) return fail(`${b.probed - b.refusedElsewhere} of ${b.probed} value(s) of \`${name}\` still opened when re-bound to another row id or owner value.`, resource);
      if (b.probed === 0) return fail(`No value of \`${name}\` could be opened to prove its binding.`, resource);
      const scope = b.checked < c.values ? `a sample of ${b.checked} of ${c.values} (chosen by the run's day)` : `all ${b.checked}`;
      return pass(
        `Of \`${name}\`, ${scope} value(s) open with their own ${bound}; ${b.refusedElsewhere} of ${b.probed} re-bound to another row or owner were refused; none uses the row-only tev1 binding.`,
        resource,
      );
    });
  },
});
