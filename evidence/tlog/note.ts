/**
 * C2SP signed-note (c2sp.org/signed-note), Ed25519 signatures only (type 0x01).
 *
 * No maintained npm package implements signed notes or tlog-tiles (the registry has
 * Sigstore's Rekor clients, which speak Rekor's own API, not these formats), and the
 * format is a page of text: it is written here, against the spec's and Go's
 * golang.org/x/mod/sumdb/note test vectors (test/evidence/tlog/).
 *
 *   text (ends in "\n") + "\n" + one or more lines "— <name> base64(keyID(4, big-endian) || signature)\n"
 *   keyID = SHA-256(name || 0x0A || 0x01 || 32-byte public key)[:4]
 *   verifier key = "<name>+<hex keyID>+base64(0x01 || public key)"
 */
import crypto, { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';

const ED25519 = 0x01;
const EM_DASH = '\u2014';
/** DER prefixes that wrap a raw 32-byte Ed25519 key as SPKI / PKCS#8 (RFC 8410). */
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface NoteSigner {
  name: string;
  keyId: number;
  privateKey: KeyObject;
  publicKey: KeyObject;
}
export interface NoteVerifier {
  name: string;
  keyId: number;
  publicKey: KeyObject;
}
export interface NoteSignature {
  name: string;
  keyId: number;
  signature: Buffer;
}

export function rawPublicKey(publicKey: KeyObject): Buffer {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  if (publicKey.asymmetricKeyType !== 'ed25519' || der.length !== SPKI_PREFIX.length + 32) throw new TypeError('signed notes here use Ed25519 keys only');
  return der.subarray(SPKI_PREFIX.length);
}

export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** The Ed25519 private key for a 32-byte RFC 8032 seed (Go's note "PRIVATE+KEY" encoding carries the seed). */
export function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

export function validKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name) && !/[\u0000-\u001f]/.test(name);
}

export function keyIdOf(name: string, publicKey: KeyObject): number {
  const h = crypto
    .createHash('sha256')
    .update(name, 'utf8')
    .update(Buffer.from([0x0a, ED25519]))
    .update(rawPublicKey(publicKey))
    .digest();
  return h.readUInt32BE(0);
}

export function noteSigner(name: string, privateKey: KeyObject): NoteSigner {
  if (!validKeyName(name)) throw new TypeError(`invalid signed-note key name ${JSON.stringify(name)}`);
  const publicKey = createPublicKey(privateKey);
  return { name, keyId: keyIdOf(name, publicKey), privateKey, publicKey };
}

export function verifierKeyString(v: NoteVerifier): string {
  return `${v.name}+${v.keyId.toString(16).padStart(8, '0')}+${Buffer.concat([Buffer.from([ED25519]), rawPublicKey(v.publicKey)]).toString('base64')}`;
}

/** Parses "<name>+<hex id>+<base64(0x01 || key)>"; throws a one-line reason. */
export function parseVerifierKey(vkey: string): NoteVerifier {
  const m = /^([^+]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(vkey.trim());
  if (!m || !validKeyName(m[1])) throw new TypeError('malformed verifier key (want <name>+<8 hex digits>+<base64 key>)');
  const raw = Buffer.from(m[3], 'base64');
  if (raw.length !== 33 || raw[0] !== ED25519) throw new TypeError('verifier key is not an Ed25519 signed-note key');
  const publicKey = publicKeyFromRaw(raw.subarray(1));
  const keyId = parseInt(m[2], 16);
  if (keyIdOf(m[1], publicKey) !== keyId) throw new TypeError('verifier key id does not match its name and key');
  return { name: m[1], keyId, publicKey };
}

function checkText(text: string): void {
  if (!text.endsWith('\n')) throw new TypeError('note text must end in a newline');
  if (/[\u0000-\u0009\u000b-\u001f]/.test(text)) throw new TypeError('note text holds a control character');
}

/** Signs `text` and returns the whole note: text, blank line, signature line. */
export function signNote(text: string, signer: NoteSigner): string {
  checkText(text);
  const sig = crypto.sign(null, Buffer.from(text, 'utf8'), signer.privateKey);
  const id = Buffer.alloc(4);
  id.writeUInt32BE(signer.keyId >>> 0);
  return `${text}\n${EM_DASH} ${signer.name} ${Buffer.concat([id, sig]).toString('base64')}\n`;
}

export interface OpenedNote {
  text: string;
  signatures: NoteSignature[];
  verifiedBy: NoteVerifier[];
}

/** Splits a note into text and signatures (no verification). Throws a one-line reason. */
export function parseNote(note: string): { text: string; signatures: NoteSignature[] } {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new TypeError('not a signed note (no blank line before the signatures)');
  const text = note.slice(0, split + 1);
  checkText(text);
  const signatures: NoteSignature[] = [];
  for (const line of note.slice(split + 2, -1).split('\n')) {
    const m = new RegExp(`^${EM_DASH} (\\S+) ([A-Za-z0-9+/=]+)$`, 'u').exec(line);
    if (!m) throw new TypeError(`malformed signature line ${JSON.stringify(line.slice(0, 60))}`);
    const raw = Buffer.from(m[2], 'base64');
    if (raw.length < 5) throw new TypeError('signature line too short');
    signatures.push({ name: m[1], keyId: raw.readUInt32BE(0), signature: raw.subarray(4) });
  }
  if (signatures.length === 0) throw new TypeError('note carries no signature');
  return { text, signatures };
}

/**
 * Parses and verifies a note: every signature by a known verifier (same name and key id)
 * must verify, signatures by unknown keys are ignored (as the spec requires), and at
 * least one known verifier must have signed. Throws a one-line reason otherwise.
 */
export function openNote(note: string, verifiers: readonly NoteVerifier[]): OpenedNote {
  const { text, signatures } = parseNote(note);
  const verifiedBy: NoteVerifier[] = [];
  for (const s of signatures) {
    const v = verifiers.find((x) => x.name === s.name && x.keyId === s.keyId);
    if (!v) continue;
    if (!crypto.verify(null, Buffer.from(text, 'utf8'), v.publicKey, s.signature)) throw new TypeError(`invalid signature for key ${s.name}+${s.keyId.toString(16).padStart(8, '0')}`);
    verifiedBy.push(v);
  }
  if (!verifiedBy.length) throw new TypeError(`no signature by a known key (signed by ${signatures.map((s) => `${s.name}+${s.keyId.toString(16).padStart(8, '0')}`).join(', ')})`);
  return { text, signatures, verifiedBy };
}
