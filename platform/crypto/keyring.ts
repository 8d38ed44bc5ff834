/**
 * Application-level encryption for secret columns (OAuth tokens, agent secrets).
 *
 * AES-256-GCM from node:crypto, a fresh random 96-bit nonce per encryption, and
 * versioned keys of which exactly one is active. A ciphertext is a self-describing
 * string `tev2:<keyVersion>:<base64url(nonce | ciphertext | tag)>` so a collector can
 * check its shape (and which key version and binding it uses) without holding any key.
 *
 * Every ciphertext is bound through GCM's associated data to where it lives and to whom
 * it belongs: table, column, row id and the row's owner columns (encryption.yaml
 * `owner_columns`: the account, and for an agent secret the agent and the secret's name).
 * Copied to another row or column, or its row re-pointed at another owner, it fails
 * authentication.
 *
 * `tev1` is the previous format, whose associated data was `table/column/rowId` only: a
 * row moved to another owner (issue 13, defect 9) still decrypted. It is never written
 * any more and stays readable only as the migration path: `trust keys rotate`
 * re-encrypts every tev1 value as tev2 (even under the active key), and the encryption
 * collector counts what remains so `ciphertext_bound_to_row` cannot pass while any does.
 * We chose readable-until-rotated over refusing tev1 at once: refusing would take every
 * stored token and agent secret offline between the upgrade and the rotation, while the
 * exposure (a database superuser re-pointing a tev1 row) is bounded by the rotation and
 * shown by the gate meanwhile. A tev1 value planted after the rotation (replayed from an
 * old backup) is caught the same way, by its shape. Removing tev1 from `decrypt` and from
 * the CHECK constraints is a later migration, once every deployment has rotated.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { EnvironmentError } from '../kernel/errors.ts';

/** The format every encryption writes: associated data binds table, column, row id and owner. */
export const CIPHERTEXT_FORMAT = 'tev2';
/** The previous format (associated data: table, column and row id only); read only, until rotated. */
export const LEGACY_CIPHERTEXT_FORMAT = 'tev1';
export type CiphertextFormat = typeof CIPHERTEXT_FORMAT | typeof LEGACY_CIPHERTEXT_FORMAT;
/** What a well-formed stored value looks like (either format); the same pattern is a CHECK constraint in the schema. */
export const CIPHERTEXT_PATTERN = /^tev[12]:[1-9][0-9]{0,5}:[A-Za-z0-9_-]{38,}$/;
/** What tev2 binds, as encryption.yaml states it. */
export const ASSOCIATED_DATA = 'table/column/row_id/owner';
export const ALGORITHM = 'aes-256-gcm';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/** A ciphertext that does not authenticate: tampered, moved to another row/column/owner, or unknown key. */
export class DecryptionError extends Error {
  constructor(
    readonly reason: 'malformed' | 'unknown_key_version' | 'authentication_failed',
    message: string,
  ) {
    super(message);
    this.name = 'DecryptionError';
  }
}

/** Where a ciphertext lives and whose it is; it becomes the GCM associated data. */
export interface CipherContext {
  table: string;
  column: string;
  rowId: string;
  /**
   * The row's owner columns and their values (encryption.yaml `owner_columns`), bound by
   * tev2 and ignored by tev1. A uuid is bound in its lower-case form, as the database prints it.
   * @example { account_id: "7b0d6a84-...", agent_id: "0f6e4d5a-...", name: "OPENAI_API_KEY" }
   */
  owner?: Readonly<Record<string, string>>;
}

/**
 * The keyring file / TRUST_KEYRING value.
 * @example {"active": 2, "keys": {"1": "<base64 of 32 bytes>", "2": "..."}, "created": {"2": "2026-11-01T00:00:00Z"}}
 */
export const KeyringFileSchema = z.object({
  /** Version number of the key used for new encryptions. */
  active: z.number().int().positive(),
  /** Key version -> base64 of 32 random bytes. */
  keys: z.record(z.string().regex(/^[1-9][0-9]*$/), z.string()),
  /** Key version -> ISO date it was created (optional; used for rotation age). */
  created: z.record(z.string(), z.string()).optional(),
});
export type KeyringFile = z.output<typeof KeyringFileSchema>;

export interface KeyringDescription {
  algorithm: string;
  nonce_bits: number;
  ciphertext_format: string;
  ciphertext_pattern: string;
  associated_data: string;
  source: 'env' | 'file' | 'development';
  active_version: number;
  versions: { version: number; created_at: string | null; age_days: number | null; active: boolean }[];
}

export class Keyring {
  private readonly keys: Map<number, Buffer>;
  constructor(
    private readonly file: KeyringFile,
    readonly source: 'env' | 'file' | 'development',
    private readonly origin: string,
  ) {
    this.keys = new Map();
    for (const [v, b64] of Object.entries(file.keys)) {
      const key = Buffer.from(b64, 'base64');
      if (key.length !== KEY_BYTES) throw new EnvironmentError(`${origin}: key version ${v} is ${key.length} bytes, expected ${KEY_BYTES} (base64 of 32 random bytes)`);
      this.keys.set(Number(v), key);
    }
    if (!this.keys.has(file.active)) throw new EnvironmentError(`${origin}: active key version ${file.active} is not among keys ${[...this.keys.keys()].join(', ')}`);
  }

  get activeVersion(): number {
    return this.file.active;
  }

  versionOf(ciphertext: string): number {
    return parse(ciphertext).version;
  }

  /** tev2 (bound to its owner) or tev1 (bound to its row only: to be rotated). */
  formatOf(ciphertext: string): CiphertextFormat {
    return parse(ciphertext).format;
  }

  encrypt(plaintext: string, ctx: CipherContext): string {
    const version = this.file.active;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.keys.get(version)!, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(ctx));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const packed = Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64url');
    return `${CIPHERTEXT_FORMAT}:${version}:${packed}`;
  }

  /** Decrypts a tev2 value bound to `ctx` (row and owner), or a tev1 value bound to its row (migration path). */
  decrypt(ciphertext: string, ctx: CipherContext): string {
    const { format, version, nonce, body, tag } = parse(ciphertext);
    const key = this.keys.get(version);
    if (!key) throw new DecryptionError('unknown_key_version', `cannot decrypt ${ctx.table}.${ctx.column} row ${ctx.rowId}: key version ${version} is not in the keyring`);
    // The associated data is computed before the try: a context without a required owner value is a programming error, not a bad ciphertext.
    const aad = associatedData(ctx, format);
    try {
      const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      throw new DecryptionError('authentication_failed', `cannot decrypt ${ctx.table}.${ctx.column} row ${ctx.rowId}: the ciphertext was altered or belongs to another row, column or owner`);
    }
  }

  /**
   * A 256-bit key for one purpose other than column values (database backups), derived from
   * key version `version` (default: the active one) with HKDF-SHA256 and the purpose as info:
   * never the column key itself, so a backup and a column never share a key and nonce space.
   * The caller must never log or store it.
   */
  purposeKey(purpose: string, version: number = this.file.active): { version: number; key: Buffer } {
    const key = this.keys.get(version);
    if (!key) throw new DecryptionError('unknown_key_version', `key version ${version} is not in the keyring`);
    return { version, key: Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `trust-evidence/${purpose}`, KEY_BYTES)) };
  }

  /** Re-encrypts under the active key and the tev2 binding (same context); used by rotation. */
  reencrypt(ciphertext: string, ctx: CipherContext): string {
    return this.encrypt(this.decrypt(ciphertext, ctx), ctx);
  }

  /** Non-secret facts about the keyring: never key bytes. */
  describe(now: Date = new Date()): KeyringDescription {
    const versions = [...this.keys.keys()]
      .sort((a, b) => a - b)
      .map((version) => {
        const created = this.file.created?.[String(version)] ?? null;
        const age = created ? Math.floor((now.getTime() - Date.parse(created)) / 86_400_000) : null;
        return { version, created_at: created, age_days: Number.isFinite(age) ? age : null, active: version === this.file.active };
      });
    return {
      algorithm: 'AES-256-GCM',
      nonce_bits: NONCE_BYTES * 8,
      ciphertext_format: CIPHERTEXT_FORMAT,
      ciphertext_pattern: CIPHERTEXT_PATTERN.source,
      associated_data: ASSOCIATED_DATA,
      source: this.source,
      active_version: this.file.active,
      versions,
    };
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * tev2: the UTF-8 JSON text of ["tev2", table, column, row id, [[owner column, value], ...]],
 * owner columns sorted by name (JSON strings are unambiguous: no separator can be forged by
 * a value). tev1: "table/column/row id".
 */
function associatedData(ctx: CipherContext, format: CiphertextFormat = CIPHERTEXT_FORMAT): Buffer {
  if (format === LEGACY_CIPHERTEXT_FORMAT) return Buffer.from(`${ctx.table}/${ctx.column}/${ctx.rowId}`, 'utf8');
  const owner = Object.keys(ctx.owner ?? {})
    .sort()
    .map((k) => {
      const v = ctx.owner![k];
      if (typeof v !== 'string') throw new TypeError(`${ctx.table}.${ctx.column}: owner column ${k} has no value to bind`);
      return [k, UUID.test(v) ? v.toLowerCase() : v];
    });
  const rowId = UUID.test(ctx.rowId) ? ctx.rowId.toLowerCase() : ctx.rowId;
  return Buffer.from(JSON.stringify([CIPHERTEXT_FORMAT, ctx.table, ctx.column, rowId, owner]), 'utf8');
}

function parse(ciphertext: string): { format: CiphertextFormat; version: number; nonce: Buffer; body: Buffer; tag: Buffer } {
  if (typeof ciphertext !== 'string' || !CIPHERTEXT_PATTERN.test(ciphertext)) {
    throw new DecryptionError('malformed', `not a ${CIPHERTEXT_FORMAT} ciphertext (expected ${CIPHERTEXT_FORMAT}:<keyVersion>:<base64url>)`);
  }
  const [format, v, packed] = ciphertext.split(':');
  const raw = Buffer.from(packed, 'base64url');
  // Re-encoding catches characters base64url decoding silently drops or pads.
  if (raw.toString('base64url') !== packed || raw.length < NONCE_BYTES + TAG_BYTES) {
    throw new DecryptionError('malformed', `not a ${CIPHERTEXT_FORMAT} ciphertext (bad payload encoding or length)`);
  }
  return {
    format: format as CiphertextFormat,
    version: Number(v),
    nonce: raw.subarray(0, NONCE_BYTES),
    body: raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES),
    tag: raw.subarray(raw.length - TAG_BYTES),
  };
}

// ---------------------------------------------------------------------------
// Loading

export function dataDir(): string {
  return process.env.TRUST_DATA_DIR ?? path.resolve('.data');
}

export function developmentKeyringPath(): string {
  return path.join(dataDir(), 'keys', 'keyring.json');
}

function parseKeyringJson(text: string, origin: string): KeyringFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new EnvironmentError(`${origin}: not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  const r = KeyringFileSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new EnvironmentError(`${origin}: /${issue.path.join('/')} ${issue.message}`);
  }
  return r.data;
}

function writeAtomically(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, file);
  chmodSync(file, 0o600);
}

function newKeyB64(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

let warned = false;

/**
 * Loads the keyring: env `TRUST_KEYRING` (JSON), else file `TRUST_KEYRING_FILE`,
 * else a development keyring under `<TRUST_DATA_DIR|.data>/keys/` (created on first use,
 * with a loud warning: development keys are not production keys).
 */
export function loadKeyring(opts: { warn?: (m: string) => void } = {}): Keyring {
  if (process.env.TRUST_KEYRING) {
    return new Keyring(parseKeyringJson(process.env.TRUST_KEYRING, 'TRUST_KEYRING'), 'env', 'TRUST_KEYRING');
  }
  if (process.env.TRUST_KEYRING_FILE) {
    const f = process.env.TRUST_KEYRING_FILE;
    if (!existsSync(f)) throw new EnvironmentError(`TRUST_KEYRING_FILE ${f}: file not found`);
    return new Keyring(parseKeyringJson(readFileSync(f, 'utf8'), f), 'file', f);
  }
  const file = developmentKeyringPath();
  if (!existsSync(file)) {
    const fresh: KeyringFile = { active: 1, keys: { '1': newKeyB64() }, created: { '1': new Date().toISOString() } };
    writeAtomically(file, JSON.stringify(fresh, null, 2) + '\n');
  }
  if (!warned) {
    warned = true;
    const warn = opts.warn ?? ((m: string) => process.stderr.write(m + '\n'));
    warn(`WARNING: using a DEVELOPMENT keyring at ${file}. Set TRUST_KEYRING or TRUST_KEYRING_FILE in production; ` + 'development keys are generated locally and are not protected.');
  }
  return new Keyring(parseKeyringJson(readFileSync(file, 'utf8'), file), 'development', file);
}

/**
 * Adds a new key version to the keyring file and makes it active. Only for file-backed
 * keyrings (dev or TRUST_KEYRING_FILE); an env keyring is changed where it is defined.
 */
export function addKeyVersion(): { file: string; version: number } {
  if (process.env.TRUST_KEYRING) throw new EnvironmentError('TRUST_KEYRING is set in the environment: add the key version there, then run `trust keys rotate`');
  const file = process.env.TRUST_KEYRING_FILE ?? developmentKeyringPath();
  if (!existsSync(file)) loadKeyring();
  const current = parseKeyringJson(readFileSync(file, 'utf8'), file);
  const version = Math.max(...Object.keys(current.keys).map(Number)) + 1;
  const next: KeyringFile = {
    active: version,
    keys: { ...current.keys, [String(version)]: newKeyB64() },
    created: { ...(current.created ?? {}), [String(version)]: new Date().toISOString() },
  };
  writeAtomically(file, JSON.stringify(next, null, 2) + '\n');
  return { file, version };
}

let cached: Keyring | undefined;

/** The process's keyring, loaded once (what services use when none is passed). */
export function defaultKeyring(): Keyring {
  cached ??= loadKeyring();
  return cached;
}

/** Non-secret description of the configured keyring. */
export function describeKeyring(keyring: Keyring = defaultKeyring()): KeyringDescription {
  return keyring.describe();
}
