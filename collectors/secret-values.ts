/**
 * The secret-values collector (used by `trust inspect`): for every text-like column whose
 * name hints at a credential, the SHAPES of up to SAMPLE non-empty values (bcrypt,
 * sha512-crypt, 64 hex digits, a PEM private key, "other"...), and the same for the value
 * column of attribute/value tables (FreeRADIUS's radcheck: attribute `Cleartext-Password`,
 * value the password) per attribute whose name hints at a credential.
 *
 * Values never leave the server: the shape is computed in SQL and only (shape, count)
 * pairs come back, so no value can reach a fact, a log or a report. Which shape is a hash
 * and which a plaintext secret is the checks' verdict (controls/checks/secrets-not-plaintext.ts),
 * not this collector's: the name filter below only bounds what is read, it is deliberately
 * wider than any check's idea of a secret.
 *
 * Text columns of tables named like a key or credential store are sampled whatever
 * their names, so private key material under a neutral name (`content`) is seen.
 *
 * Two queries whatever the size of the database: one over the catalogs for the
 * candidates, one that samples them all (LIMIT per column, so it reads a bounded number
 * of rows per table unless a column is empty on a huge table).
 *
 * Not in collectors/registry.ts: the gate proves the platform's own secrets through the
 * encryption collector; sampling every credential-named column is for unknown databases.
 */
import { z } from 'zod';
import { defineCollector, type CollectorContext } from './types.ts';
import { byKey } from './sort.ts';

/** Values sampled per column (per attribute for attribute/value tables). */
export const SAMPLE = 20;

export const SecretSampleSchema = z.object({
  column: z.string(),
  /** For attribute/value tables: the attribute column and the attribute (a name, never a value). */
  key: z.object({ column: z.string(), value: z.string() }).nullable(),
  /** Non-empty values sampled (at most SAMPLE). */
  sampled: z.number().int(),
  schema: z.string(),
  /** Sampled values per shape (see SHAPES), e.g. {"bcrypt": 3, "other": 1}. */
  shapes: z.record(z.string(), z.number().int()),
  table: z.string(),
  /** format_type() of the column. */
  type: z.string(),
});
export const SecretValuesFactsSchema = z.object({ samples: z.array(SecretSampleSchema) });
export type SecretSample = z.output<typeof SecretSampleSchema>;
export type SecretValuesFacts = z.output<typeof SecretValuesFactsSchema>;

// Which columns are read: any whose name contains one of these fragments (pass, pw, secret,
// token, key, psk, cred, priv, bearer). Wider than a check's notion of a secret on purpose.
const NAME_HINT = 'pass|pw|secret|token|key|psk|cred|priv|bearer';
// Attribute/value tables: a text key column with one of these names beside a value column.
const EAV_KEYS = ['attribute', 'attr', 'name', 'key', 'setting', 'option', 'param', 'parameter', 'variable', 'property', 'field'];
const EAV_VALUES = ['value', 'val', 'setting_value', 'option_value', 'param_value'];

/**
 * Shapes, first match wins, each an ARE matched against the value as text. Written with
 * String.raw and embedded in standard-conforming SQL literals (none contains a quote).
 * `binary` is a bytea value that is not printable ASCII; `other` is anything unrecognised.
 */
const R = String.raw;
export const SHAPES: [shape: string, regex: string, caseInsensitive?: boolean][] = [
  ['pem-private-key', R`-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----`],
  // BIND's private key file format (PowerDNS cryptokeys.content, dnssec-keygen output).
  ['bind-private-key', R`^Private-key-format: `],
  // Dovecot/OpenLDAP scheme prefixes that say the rest is the password itself.
  ['plain-scheme', R`^\{(PLAIN|CLEAR|CLEARTEXT|PLAIN-TRUNC)(\.[A-Z0-9]+)?\}`, true],
  ['bcrypt', R`^(\{(BLF-CRYPT|BCRYPT)\}|bcrypt\$|bcrypt_sha256\$)?\$2[abxy]?\$[0-9]{2}\$[./A-Za-z0-9]{53}$`],
  ['argon2', R`^(\{ARGON2I?D?\}|argon2)?\$argon2(id|i|d)\$`],
  ['scrypt', R`^(\$scrypt\$|\$7\$|scrypt:|scrypt\$|\{SCRYPT\})`],
  ['yescrypt', R`^\$(y|gy)\$`],
  ['pbkdf2', R`^(pbkdf2_sha(1|256|512)\$|pbkdf2:sha(1|256|512)|\$pbkdf2(-sha(1|256|512))?\$|\{PBKDF2[A-Z0-9-]*\}|:pbkdf2:)`],
  ['md5-crypt', R`^(\{MD5-CRYPT\})?\$(1|apr1)\$[./0-9A-Za-z]{0,8}\$[./0-9A-Za-z]{22}$`],
  ['sha256-crypt', R`^(\{SHA256-CRYPT\})?\$5\$(rounds=[0-9]+\$)?[./0-9A-Za-z]{0,16}\$[./0-9A-Za-z]{43}$`],
  ['sha512-crypt', R`^(\{SHA512-CRYPT\})?\$6\$(rounds=[0-9]+\$)?[./0-9A-Za-z]{0,16}\$[./0-9A-Za-z]{86}$`],
  ['phpass', R`^\$[PH]\$[./0-9A-Za-z]{31}$`],
  ['postgres-md5', R`^md5[0-9a-f]{32}$`],
  ['scram-sha-256', R`^SCRAM-SHA-256\$[0-9]+:`],
  ['mediawiki', R`^:[AB]:`],
  // Django's legacy hashers and `digest$salt` / `digest:salt` forms.
  ['salted-digest', R`^((sha1|md5|unsalted_md5|unsalted_sha1|crypt)\$|[0-9a-fA-F]{32,128}[:$][!-~]{1,64}$)`],
  ['ldap-scheme', R`^\{(SSHA|SHA|SMD5|MD5|SSHA256|SSHA512|SHA256|SHA512|CRYPT|CRAM-MD5|DIGEST-MD5|NTLM|LANMAN)\}.`, true],
  ['hex-128bit', R`^[0-9a-fA-F]{32}$`],
  ['hex-160bit', R`^[0-9a-fA-F]{40}$`],
  ['hex-224bit', R`^[0-9a-fA-F]{56}$`],
  ['hex-256bit', R`^[0-9a-fA-F]{64}$`],
  ['hex-384bit', R`^[0-9a-fA-F]{96}$`],
  ['hex-512bit', R`^[0-9a-fA-F]{128}$`],
  ['hex-other', R`^[0-9a-fA-F]+$`],
  ['base64-128bit', R`^[A-Za-z0-9+/]{22}==$`],
  ['base64-160bit', R`^[A-Za-z0-9+/]{27}=$`],
  ['base64-256bit', R`^[A-Za-z0-9+/]{43}=$`],
  ['base64-512bit', R`^[A-Za-z0-9+/]{86}==$`],
  // A file name or path: the column names where the secret lives, it does not hold it.
  ['file-reference', R`^((~?/|\./)?([A-Za-z0-9_.@-]+/)*[A-Za-z0-9_.@-]+\.(pem|key|der|p8|p12|pfx|ppk|crt|jks|keystore)|id_(rsa|dsa|ecdsa|ed25519)|(/|~/)[^[:space:]]+)$`],
];

const lit = (s: string) => `'${s}'`;
/** The SQL CASE that names the shape of `v` (text, NULL for non-printable bytea). */
export function shapeSql(v: string): string {
  const arms = SHAPES.map(([name, re, ci]) => `WHEN ${v} ${ci ? '~*' : '~'} ${lit(re)} THEN ${lit(name)}`);
  return `CASE WHEN ${v} IS NULL THEN 'binary' ${arms.join(' ')} ELSE 'other' END`;
}

type Sql = CollectorContext['sql'];
interface Candidate {
  schema: string;
  table: string;
  column: string;
  type: string;
  qtable: string;
  qcolumn: string;
  binary: boolean;
}

const CANDIDATES_SQL = `
SELECT n.nspname AS schema, c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
       quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS qtable, quote_ident(a.attname) AS qcolumn,
       bt.typname = 'bytea' AS binary
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  JOIN pg_type t ON t.oid = a.atttypid
  JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
 WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
   AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
   AND (bt.typcategory = 'S' OR bt.typname IN ('bytea', 'json', 'jsonb'))
   AND has_column_privilege(c.oid, a.attnum, 'SELECT')
   AND (lower(a.attname) ~ '(${NAME_HINT})' OR lower(c.relname) ~ '(${NAME_HINT})' OR lower(a.attname) = ANY ($1::text[]))
 ORDER BY n.nspname, c.relname, a.attnum`;

/** The value as text for the shape test: printable bytea as its characters, other bytea NULL (`binary`). */
function valueExpr(c: Candidate): string {
  return c.binary ? `CASE WHEN strpos(encode(${c.qcolumn}, 'escape'), E'\\\\') = 0 THEN encode(${c.qcolumn}, 'escape') END` : `${c.qcolumn}::text`;
}

export async function sampleSecrets(sql: Sql): Promise<SecretValuesFacts> {
  const rows = await sql<Candidate & Record<string, unknown>>(CANDIDATES_SQL, [[...EAV_KEYS, ...EAV_VALUES]]);
  const hint = new RegExp(NAME_HINT);
  const targets: { c: Candidate; key: Candidate | null }[] = [];
  const byTable = new Map<string, Candidate[]>();
  for (const c of rows) {
    // Every text column of a table named like a key store (PowerDNS cryptokeys.content holds
    // private keys under a neutral name), and credential-named columns anywhere.
    if (hint.test(c.column.toLowerCase()) || hint.test(c.table.toLowerCase())) targets.push({ c, key: null });
    const k = `${c.schema}\u0000${c.table}`;
    byTable.set(k, [...(byTable.get(k) ?? []), c]);
  }
  for (const cols of byTable.values()) {
    const key = cols.find((c) => !c.binary && EAV_KEYS.includes(c.column.toLowerCase()));
    const value = cols.find((c) => EAV_VALUES.includes(c.column.toLowerCase()));
    if (key && value) targets.push({ c: value, key });
  }
  if (!targets.length) return { samples: [] };

  const parts = targets.map(({ c, key }, i) => {
    const nonEmpty = `${c.qcolumn} IS NOT NULL AND ${c.binary ? `octet_length(${c.qcolumn}) > 0` : `${c.qcolumn}::text <> ''`}`;
    if (!key) {
      return `(SELECT ${i} AS target, NULL::text AS key, shape, count(*)::int AS n
                 FROM (SELECT ${shapeSql('v')} AS shape FROM (SELECT ${valueExpr(c)} AS v FROM ${c.qtable} WHERE ${nonEmpty} LIMIT ${SAMPLE}) s) s GROUP BY shape)`;
    }
    // Attribute names are returned, so only those that read like a word (no digit: a
    // random secret nearly always has one) and short enough to be a name; at most
    // SAMPLE values per attribute out of a bounded first read.
    const k = `${key.qcolumn}::text`;
    return `(SELECT ${i} AS target, k AS key, shape, count(*)::int AS n
               FROM (SELECT k, ${shapeSql('v')} AS shape
                       FROM (SELECT k, v, row_number() OVER (PARTITION BY k) AS rn
                               FROM (SELECT ${k} AS k, ${valueExpr(c)} AS v FROM ${c.qtable}
                                      WHERE ${k} ~* '(${NAME_HINT})' AND ${k} !~ '[0-9]' AND length(${k}) <= 64 AND ${nonEmpty}
                                      LIMIT ${SAMPLE * 10}) a) b
                      WHERE rn <= ${SAMPLE}) s GROUP BY k, shape)`;
  });
  const found = await sql<{ target: number; key: string | null; shape: string; n: number }>(parts.join('\nUNION ALL\n'));

  const samples = new Map<string, SecretSample>();
  for (const r of found) {
    const { c, key } = targets[r.target];
    const id = `${r.target}\u0000${r.key ?? ''}`;
    let s = samples.get(id);
    if (!s) {
      s = { schema: c.schema, table: c.table, column: c.column, type: c.type, key: key ? { column: key.column, value: r.key! } : null, sampled: 0, shapes: {} };
      samples.set(id, s);
    }
    s.sampled += r.n;
    s.shapes[r.shape] = r.n;
  }
  // Columns with no non-empty value are reported with sampled 0: "no rows" is a fact too.
  targets.forEach(({ c, key }, i) => {
    if (!key && !samples.has(`${i}\u0000`)) samples.set(`${i}\u0000`, { schema: c.schema, table: c.table, column: c.column, type: c.type, key: null, sampled: 0, shapes: {} });
  });
  return {
    samples: [...samples.values()].sort(byKey((s) => `${s.schema}\u0000${s.table}\u0000${s.column}\u0000${s.key ? `${s.key.column}\u0000${s.key.value}` : ''}`)),
  };
}

export default defineCollector({
  id: 'secret_values',
  version: '1.0.0',
  description: 'Shapes (bcrypt, sha512-crypt, hex digest, PEM key, other...) of a bounded sample of values in credential-named columns and attribute/value rows; values never leave the server.',
  needsDatabase: true,
  facts: SecretValuesFactsSchema,
  collect: (ctx) => sampleSecrets(ctx.sql),
});
