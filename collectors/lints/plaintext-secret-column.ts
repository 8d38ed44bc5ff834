import { defineLint, isTable } from './types.ts';
import { qualified, type ColumnFacts, type TableFacts } from '../schema.ts';

// Words that name a secret when they appear as a whole part of a snake_case/camelCase column name.
const SECRET_NAME = /(^|_)(password|passwd|passphrase|pwd|secret|token|api_?key|private_?key|secret_?key|access_?key|signing_?key|encryption_?key|client_secret|credentials?)($|_)/;
// Parts that say the column holds something derived or descriptive, not the secret itself.
const NOT_A_SECRET = /(^|_)(hash|hashed|digest|hmac|salt|fingerprint|prefix|hint|last4|suffix|expires|expiry|expiration|expires_at|at|on|id|ids|count|length|len|min|max|type|kind|name|policy|version|status|enabled|required|reset_sent|updated|changed|encrypted|enc|ciphertext|crypt|scope|scopes|url|uri|endpoint|label|public)($|_)/;
// Types that cannot hold a secret string.
const TEXTUAL = /^(text|character varying|varchar|character|char|bpchar|citext|bytea|json|jsonb)\b/;

/** Splits camelCase into snake_case so `apiToken` and `api_token` read alike. */
function words(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

export function looksLikePlaintextSecret(table: TableFacts, column: ColumnFacts): boolean {
  const n = words(column.name);
  if (!SECRET_NAME.test(n) || NOT_A_SECRET.test(n)) return false;
  if (!TEXTUAL.test(column.type)) return false;
  // A CHECK with a regular expression on this column pins its shape (hash or ciphertext format).
  const shaped = table.constraints.some((c) => c.kind === 'check' && c.columns.includes(column.name) && /~/.test(c.definition));
  return !shaped;
}

export default defineLint({
  id: 'plaintext_secret_column',
  description: 'A textual column whose name says it holds a password, token, secret or key, with nothing (a hash/ciphertext name or a shape CHECK) showing it is not stored in plain text.',
  run(facts) {
    return facts.tables
      .filter((t) => isTable(t) && !t.isPartition)
      .flatMap((t) =>
        t.columns
          .filter((c) => looksLikePlaintextSecret(t, c))
          .map((c) => ({
            lint: this.id,
            resource: `column:${qualified(t)}.${c.name}`,
            reason: `Column \`${qualified(t)}.${c.name}\` (${c.type}) is named like a secret and nothing shows it holds a hash or ciphertext rather than plain text.`,
          })),
      );
  },
});
