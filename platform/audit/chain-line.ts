/**
 * The audit chain computed in Node, for writers that load events without the chain trigger
 * (`trust demo --bulk`). Same bytes as the trigger (migrations 0003, 0210, 0320) and the
 * verifier (verify.ts): an event's content is the COPY text line of its content columns at
 * TimeZone=UTC, DateStyle=ISO, and its hash is sha256(prev_hash || content).
 *
 * The details column is hashed as jsonb prints it, so callers pass an object and get its
 * jsonb text (`jsonbText`): keys sorted shorter first, then bytewise, `": "` and `", "` as
 * separators. test/platform/bulk-demo.test.ts proves these equal the trigger's hashes.
 */
import { hash as cryptoHash } from 'node:crypto';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue | undefined };

const ASCII = /^[\x00-\x7f]*$/;

/** The text PostgreSQL's jsonb output gives for this value (integers and plain strings only as numbers). */
export function jsonbText(v: JsonValue | undefined): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') {
    // jsonb keeps numerics as written; only integers are guaranteed to print as JS prints them.
    if (!Number.isSafeInteger(v)) throw new Error(`jsonbText: ${v} is not a safe integer`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return '[' + v.map(jsonbText).join(', ') + ']';
  const keys = Object.keys(v).filter((k) => v[k] !== undefined);
  // ASCII keys (all the platform writes) sort by length, then code unit, without encoding them.
  keys.sort(
    keys.every((k) => ASCII.test(k))
      ? (a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0)
      : (a, b) => Buffer.byteLength(a) - Buffer.byteLength(b) || Buffer.compare(Buffer.from(a), Buffer.from(b)),
  );
  return '{' + keys.map((k) => JSON.stringify(k) + ': ' + jsonbText(v[k])).join(', ') + '}';
}

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\v': '\\v', '\f': '\\f', '\r': '\\r' };
const NEEDS_ESCAPE = /[\\\x08-\x0d]/;

/** One field as COPY's text format writes it (\N for null). */
export function copyField(v: string | null): string {
  if (v === null) return '\\N';
  return NEEDS_ESCAPE.test(v) ? v.replace(/[\\\x08-\x0d]/g, (c) => COPY_ESCAPES[c]) : v;
}

/** A timestamptz as COPY prints it at UTC with DateStyle ISO: trailing zeros of the fraction dropped. */
export function copyTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  const m = ms - Math.floor(ms / 1000) * 1000;
  const frac = m === 0 ? '' : m % 100 === 0 ? '.' + iso.slice(20, 21) : m % 10 === 0 ? '.' + iso.slice(20, 22) : '.' + iso.slice(20, 23);
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac}+00`;
}

export interface ChainEvent {
  seq: number;
  /** Milliseconds since the epoch (events written through JS Dates carry no finer time). */
  occurredAt: number;
  accountId: string | null;
  actor: string;
  action: string;
  subjectType: string;
  subjectId: string;
  /** jsonb text of the details (see jsonbText). */
  details: string;
}

/** The content line of one event: exactly the bytes the trigger and the verifier hash. */
export function contentLine(e: ChainEvent): string {
  return (
    `${e.seq}\t${copyTimestamp(e.occurredAt)}\t${copyField(e.accountId)}\t${copyField(e.actor)}\t${copyField(e.action)}\t` +
    `${copyField(e.subjectType)}\t${copyField(e.subjectId)}\t${copyField(e.details)}`
  );
}

/** Chains events in order from a head: each gets prev_hash and hash. One scratch buffer. */
export class ChainWriter {
  private scratch = Buffer.alloc(1 << 16);
  constructor(
    public seq: number,
    public hash: Buffer,
  ) {}

  /** Links the next event (its seq must be head + 1); returns its content line and hash. */
  next(e: Omit<ChainEvent, 'seq'>): { seq: number; line: string; prev: Buffer; hash: Buffer } {
    const seq = this.seq + 1;
    const line = contentLine({ ...e, seq });
    const need = 32 + 3 * line.length; // UTF-8 takes at most 3 bytes per UTF-16 code unit
    if (need > this.scratch.length) this.scratch = Buffer.alloc(need * 2);
    this.hash.copy(this.scratch, 0);
    const n = this.scratch.write(line, 32, 'utf8');
    // One-shot hashing: a Hash object per event cost a third of the hashing time.
    const hash = cryptoHash('sha256', this.scratch.subarray(0, 32 + n), 'buffer');
    const prev = this.hash;
    this.seq = seq;
    this.hash = hash;
    this.hex = null;
    return { seq, line, prev, hash };
  }

  private hex: string | null = null;
  /** The head's hash in hex, computed once (it is the next event's prev_hash too). */
  headHex(): string {
    return (this.hex ??= this.hash.toString('hex'));
  }

  /** Links the next event and returns its whole COPY text row: content, prev_hash and hash as bytea. */
  nextRow(e: Omit<ChainEvent, 'seq'>): string {
    const prev = this.headHex();
    const { line } = this.next(e);
    return `${line}\t\\\\x${prev}\t\\\\x${this.headHex()}\n`;
  }
}
