/**
 * Every column that stores a secret (password, passphrase, pre-shared or private key,
 * token, API key, client secret, credential) holds a hash, a ciphertext or a reference,
 * never the secret itself.
 *
 * Which columns: by name (snake_case or camelCase parts) and type (text-like only, so
 * `password_min_length integer` or `require_password boolean` are settings, not secrets),
 * minus names that say the column describes the secret (`password_changed_at`,
 * `token_type`, `tls_psk_identity`, `password_hash`). Attribute/value rows count too
 * (FreeRADIUS's radcheck `Cleartext-Password`).
 *
 * Hash or plaintext: by the shapes of the sampled values (collectors/secret-values.ts).
 * A password can be stored as a one-way hash, so hash shapes pass. A key or shared secret
 * (pre-shared, private, signing, session, a bare `secret`) cannot: the system must use
 * it, so only a file reference passes and hex, base64 or PEM is the key itself. A column
 * of any name whose sampled values are private keys (PEM, BIND format) is judged as a key. Where no row was sampled, only a CHECK that
 * pins the value's shape shows it is not plain text.
 */
import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import { factsOf, fail, pass, schemaOf } from './helpers.ts';
import { isTable, qualified, snakeCase } from './schema-helpers.ts';
import type { SecretSample, SecretValuesFacts } from '../../collectors/secret-values.ts';

export type SecretKind = 'password' | 'key' | 'token';

// Passwords: also glued names such as `authpassphrase`, `privpassphrase`, `ssl_key_password`.
const PASSWORD = /pass(word|wd|phrase)|(^|_)(pass|pwd|pw)($|_)/;
// Keys that must stay usable, hence cannot be hashed.
// A bare `secret` is a shared secret in practice (RADIUS nas.secret, DNS TSIG keys, OAuth
// client secrets a client presents), used as is: random bytes in hex or base64 are the secret.
const KEY = /(^|_)(private_?key|privkey|privatekey|psk|pre_?shared_?key|shared_?key|signing_?key|secret_?key|encryption_?key|master_?key|session_?key|secret|secrets|client_secret|shared_secret)($|_)/;
// Bearer credentials: a hash of them is enough to check one presented.
const TOKEN = /(^|_)(token|tokens|api_?key|apikey|access_?key|auth_?key|credentials?|bearer)($|_)/;
// Parts that say the column describes or derives from the secret, or is a setting or flag about it
// (`require_password` stored as 'Y'/'N' text is still a flag).
const DESCRIPTIVE =
  /(^|_)(hash|hashed|digest|hmac|salt|fingerprint|prefix|hint|last4|suffix|expires|expiry|expiration|lifetime|ttl|at|on|date|time|id|ids|count|length|len|min|max|type|kind|name|policy|rules|version|status|enabled|required|reset_sent|updated|changed|encrypted|enc|ciphertext|crypt|scope|scopes|url|uri|endpoint|label|public|identity|file|path|algorithm|algo|format|attempts|age|days|require|requires|has|is|allow|allowed|use|uses|must|force|md5|smd5|sha|sha1|sha256|sha512|ssha|ssha256|ssha512|nt|lm|bcrypt|argon2|scrypt|pbkdf2)($|_)/;
// Types that can hold a secret string.
const TEXTUAL = /^(text|character varying|varchar|character|char|bpchar|citext|bytea|json|jsonb)\b/;

/** What kind of secret a column (or attribute) name says it holds; null when none. */
export function secretKind(name: string): SecretKind | null {
  const n = snakeCase(name).replace(/[^a-z0-9]+/g, '_');
  if (DESCRIPTIVE.test(n)) return null;
  if (KEY.test(n)) return 'key';
  if (PASSWORD.test(n)) return 'password';
  if (TOKEN.test(n)) return 'token';
  return null;
}

/** Shapes of one-way hashes (the collector's shape names). */
const HASH_SHAPES = new Set([
  'bcrypt',
  'argon2',
  'scrypt',
  'yescrypt',
  'pbkdf2',
  'md5-crypt',
  'sha256-crypt',
  'sha512-crypt',
  'phpass',
  'postgres-md5',
  'scram-sha-256',
  'mediawiki',
  'salted-digest',
  'ldap-scheme',
  'hex-128bit',
  'hex-160bit',
  'hex-224bit',
  'hex-256bit',
  'hex-384bit',
  'hex-512bit',
  'base64-128bit',
  'base64-160bit',
  'base64-256bit',
  'base64-512bit',
]);

/** Shapes that are private key material whatever the column is called. */
const PRIVATE_KEY_SHAPES = new Set(['pem-private-key', 'bind-private-key']);

export type Verdict = 'hashed' | 'reference' | 'plaintext' | 'unsampled';

/**
 * The verdict on a column's sampled shapes. One plaintext value is enough: a column that
 * holds hashes for most rows and the password for one still leaks that password.
 */
export function judgeShapes(kind: SecretKind, shapes: Record<string, number>): { verdict: Verdict; plaintext: number } {
  let plaintext = 0;
  let hashed = 0;
  let total = 0;
  for (const [shape, n] of Object.entries(shapes)) {
    total += n;
    if (shape === 'file-reference') continue;
    // Raw bytes: a digest for a password or token, but for a key they may be the key itself.
    if (shape === 'binary') {
      if (kind === 'key') plaintext += n;
      continue;
    }
    if (kind !== 'key' && HASH_SHAPES.has(shape)) hashed += n;
    else plaintext += n;
  }
  if (total === 0) return { verdict: 'unsampled', plaintext: 0 };
  if (plaintext) return { verdict: 'plaintext', plaintext };
  return { verdict: hashed ? 'hashed' : 'reference', plaintext: 0 };
}

const shapeList = (shapes: Record<string, number>) =>
  Object.entries(shapes)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');

export default defineCheck({
  id: 'secrets_not_plaintext',
  description:
    'Every column (or attribute/value row) that stores a password, passphrase, key, token or secret holds a hash, a ciphertext or a file reference, judged on a bounded sample of its values, or by a CHECK that pins its shape when it has no rows.',
  kind: 'structure',
  scope: ['column', 'secret', 'password', 'token'],
  collectors: ['schema', 'secret_values'],
  params: z.object({}).strict(),
  evaluate(facts) {
    const schema = schemaOf(facts);
    const { samples } = factsOf<SecretValuesFacts>(facts, 'secret_values');
    const sampleOf = new Map<string, SecretSample>();
    for (const s of samples) if (!s.key) sampleOf.set(`${s.schema}.${s.table}.${s.column}`, s);
    const findings: Finding[] = [];
    let judged = 0;

    const judge = (resource: string, what: string, kind: SecretKind, sample: SecretSample | undefined, shaped: boolean): void => {
      judged++;
      const { verdict, plaintext } = judgeShapes(kind, sample?.shapes ?? {});
      const origin = { resource };
      const observed = sample && sample.sampled ? `sampled ${sample.sampled}: ${shapeList(sample.shapes)}` : 'no rows to sample';
      if (verdict === 'plaintext') {
        findings.push({
          ...fail(`${what} holds plaintext ${kind === 'key' ? 'keys or shared secrets' : 'secrets'}: ${plaintext} of ${sample!.sampled} sampled values are not a hash or reference.`, origin, observed),
          kind: 'data',
        });
      } else if (verdict === 'hashed' || verdict === 'reference') {
        findings.push({ ...pass(`${what} holds ${verdict === 'hashed' ? 'hashes' : 'references, not secrets'}: all ${sample!.sampled} sampled values.`, origin, observed), kind: 'data' });
      } else if (shaped) {
        findings.push(pass(`${what} has no rows to sample; a CHECK pins the shape of its values.`, origin, observed));
      } else {
        findings.push(
          fail(`${what} is named like a secret, has no rows to sample, and nothing (a hash name or a shape CHECK) shows it holds a hash or ciphertext rather than plain text.`, origin, observed),
        );
      }
    };

    for (const t of schema.tables) {
      if (!isTable(t) || t.isPartition) continue;
      for (const c of t.columns) {
        const sample = sampleOf.get(`${qualified(t)}.${c.name}`);
        const keyMaterial = Object.keys(sample?.shapes ?? {}).some((s) => PRIVATE_KEY_SHAPES.has(s));
        const kind = secretKind(c.name) ?? (keyMaterial ? 'key' : null);
        if (!kind || !TEXTUAL.test(c.type)) continue;
        // A CHECK with a regular expression on this column pins its shape (hash or ciphertext format).
        const shaped = t.constraints.some((k) => k.kind === 'check' && k.columns.includes(c.name) && /~/.test(k.definition));
        judge(`column:${qualified(t)}.${c.name}`, `Column \`${qualified(t)}.${c.name}\` (${c.type})`, kind, sample, shaped);
      }
    }
    for (const s of samples) {
      const kind = s.key ? secretKind(s.key.value) : null;
      if (!s.key || !kind) continue;
      const name = `${s.schema}.${s.table}.${s.column}[${s.key.column}=${s.key.value}]`;
      judge(`column:${name}`, `Column \`${s.schema}.${s.table}.${s.column}\` where \`${s.key.column}\` is \`${s.key.value}\``, kind, s, false);
    }
    if (!judged) findings.push(pass(`No text column of \`${schema.database}\` is named like a stored secret.`, { resource: `database:${schema.database}` }));
    return findings;
  },
});
