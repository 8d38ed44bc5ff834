/**
 * Where the log lives, who signs it, and the witness policy. Every setting has an
 * environment variable and a default; the README lists them.
 */
import path from 'node:path';
import { InputError } from '../../platform/kernel/errors.ts';
import { loadSigningKey } from '../bundle/keys.ts';
import { noteSigner, parseVerifierKey, type NoteSigner, type NoteVerifier } from './note.ts';

/** `TRUST_LOG_DIR`, else `<TRUST_DATA_DIR|.data>/tlog`: state that outlives runs, beside the development keys, never in out/ (which each run replaces). */
export function logDir(root: string): string {
  if (process.env.TRUST_LOG_DIR) return path.resolve(process.env.TRUST_LOG_DIR);
  return path.join(process.env.TRUST_DATA_DIR ?? path.join(root, '.data'), 'tlog');
}

/** The checkpoint origin and signing key name (`TRUST_LOG_ORIGIN`). */
export function logOrigin(): string {
  return process.env.TRUST_LOG_ORIGIN ?? 'harborcloud.example/trust-evidence/log';
}

/** The log is signed with the evidence signing key (evidence/bundle/keys.ts) under the origin's name. */
export function logSigner(root: string, warn?: (m: string) => void): NoteSigner {
  const key = loadSigningKey(root, warn);
  return noteSigner(logOrigin(), key.privateKey);
}

/**
 * The keys a checkpoint must be signed by: `TRUST_LOG_VKEY` (a signed-note verifier key,
 * `<name>+<id>+<key>`, what an auditor pins), else the configured signing key's public half.
 * Never a key found in the log directory: whoever can write the log could put one there.
 */
export function logVerifiers(root: string, vkey = process.env.TRUST_LOG_VKEY, warn?: (m: string) => void): NoteVerifier[] {
  if (vkey) {
    try {
      return [parseVerifierKey(vkey)];
    } catch (e) {
      throw new InputError(`verifier key: ${(e as Error).message}`);
    }
  }
  const s = logSigner(root, warn);
  return [{ name: s.name, keyId: s.keyId, publicKey: s.publicKey }];
}

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new InputError(`${name}=${JSON.stringify(raw)}: expected a whole number`);
  return n;
}

export interface WitnessPolicy {
  /** `trust audit witness` appends when at least this many events follow the last witnessed head... */
  everyEvents: number;
  /** ...or when the oldest unwitnessed event is at least this many seconds old. */
  everySeconds: number;
}

/** Defaults: 1,000 events or 300 s (TRUST_WITNESS_EVERY_EVENTS, TRUST_WITNESS_EVERY_SECONDS). */
export function witnessPolicy(): WitnessPolicy {
  return { everyEvents: intFromEnv('TRUST_WITNESS_EVERY_EVENTS', 1000), everySeconds: intFromEnv('TRUST_WITNESS_EVERY_SECONDS', 300) };
}

export interface WindowBound {
  maxEvents: number;
  maxSeconds: number;
}

/**
 * The gate fails when more events than this, or an event older than this, sit after the
 * last witnessed head: 100,000 events or 86,400 s (a day) by default
 * (TRUST_WITNESS_MAX_EVENTS, TRUST_WITNESS_MAX_SECONDS). Null when neither is set, so
 * the control's own parameters decide.
 */
export function configuredWindowBound(): Partial<WindowBound> | null {
  const e = process.env.TRUST_WITNESS_MAX_EVENTS;
  const s = process.env.TRUST_WITNESS_MAX_SECONDS;
  if (!e && !s) return null;
  return { ...(e ? { maxEvents: intFromEnv('TRUST_WITNESS_MAX_EVENTS', 0) } : {}), ...(s ? { maxSeconds: intFromEnv('TRUST_WITNESS_MAX_SECONDS', 0) } : {}) };
}
