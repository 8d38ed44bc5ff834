/**
 * C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint): the note text
 *   <origin>\n<tree size>\n<base64 root hash>\n[extension lines]
 * signed as a signed note. We write no extension lines (the spec advises against
 * them: monitors cannot audit them).
 */
import { HASH_SIZE } from './hash.ts';
import { openNote, signNote, type NoteSigner, type NoteVerifier } from './note.ts';

export interface Checkpoint {
  origin: string;
  size: number;
  root: Buffer;
  extensions: string[];
}

export function checkpointText(c: Checkpoint): string {
  if (!c.origin || /\n/.test(c.origin)) throw new TypeError('checkpoint origin must be one non-empty line');
  return [c.origin, String(c.size), c.root.toString('base64'), ...c.extensions].join('\n') + '\n';
}

export function parseCheckpointText(text: string): Checkpoint {
  const lines = text.split('\n');
  if (lines.pop() !== '' || lines.length < 3) throw new TypeError('checkpoint text must be at least three lines, each ending in a newline');
  const [origin, size, root, ...extensions] = lines;
  if (!origin) throw new TypeError('checkpoint origin line is empty');
  if (!/^(0|[1-9][0-9]*)$/.test(size) || !Number.isSafeInteger(Number(size))) throw new TypeError(`checkpoint tree size ${JSON.stringify(size)} is not a decimal number`);
  const rootBytes = Buffer.from(root, 'base64');
  if (rootBytes.length !== HASH_SIZE || rootBytes.toString('base64') !== root) throw new TypeError('checkpoint root hash is not 32 bytes of base64');
  if (extensions.some((e) => e === '')) throw new TypeError('checkpoint extension lines must be non-empty');
  return { origin, size: Number(size), root: rootBytes, extensions };
}

export function signCheckpoint(c: Checkpoint, signer: NoteSigner): string {
  return signNote(checkpointText(c), signer);
}

/** Verifies the note's signature with the pinned verifiers and parses the checkpoint; the origin must be the signer's name. */
export function openCheckpoint(note: string, verifiers: readonly NoteVerifier[], origin?: string): Checkpoint {
  const opened = openNote(note, verifiers);
  const c = parseCheckpointText(opened.text);
  if (origin !== undefined && c.origin !== origin) throw new TypeError(`checkpoint origin is ${JSON.stringify(c.origin)}, expected ${JSON.stringify(origin)}`);
  return c;
}
