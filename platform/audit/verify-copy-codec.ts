/**
 * The audit chain's COPY binary codec, a speed trick: TRUST_AUDIT_COPY_CODEC=0 turns it off
 * (verify-rows.ts then verifies the plain way). An event's content bytes are the COPY text
 * line of its content columns (migration 0003). Rather than have the server format that
 * text (timestamps, uuids and two hex-encoded hashes per row cost it more than the whole
 * table scan), we stream `COPY ... TO STDOUT (FORMAT binary)` and rebuild the text line
 * here, byte for byte as COPY writes it (see `contentLine`): integers in decimal, the
 * timestamp in ISO form at UTC with trailing zeros of the fraction dropped, the uuid in
 * lower-case hex, jsonb as its text (the binary jsonb form is a version byte followed by
 * that text), and every field with COPY's escapes. No row becomes an object; one scratch
 * buffer is reused, so memory stays flat in the number of events.
 *
 * test/platform/audit-codec.test.ts: exactly the plain path's result, intact or damaged.
 */
import type pg from 'pg';
import crypto from 'node:crypto';
import { CopyOut } from './copy-out.ts';
import { trickEnabled } from '../kernel/switches.ts';
import type { RangeResult, RangeScope } from './verify-ranges.ts';

/** Whether ranges are verified through the binary COPY codec (else row by row, verify-rows.ts). */
export function copyCodecEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return trickEnabled('TRUST_AUDIT_COPY_CODEC', env);
}

/** The columns streamed, in order: the content columns, then prev_hash and hash. */
export const CHAIN_COPY_SQL = `SELECT seq, occurred_at, account_id, actor, action, subject_type, subject_id, details, prev_hash, hash FROM audit_events`;
const FIELDS = 10;

/** Verifies one range (see verifyRange in verify-ranges.ts) over a binary COPY of it. */
export async function verifyRangeByCopy(client: pg.ClientBase, scope: RangeScope, prev: Buffer | null): Promise<RangeResult> {
  // `table`: another relation with the chain's columns (a month detached to cold storage, 0420).
  const source = scope.table === 'audit_events' ? CHAIN_COPY_SQL : CHAIN_COPY_SQL.replace(/ FROM audit_events$/, ` FROM ${scope.table}`);
  const sql = `COPY (${source}${scope.where ? ` WHERE ${scope.where}` : ''} ORDER BY seq) TO STDOUT (FORMAT binary)`;
  const checker = new ChainChecker(scope.from - 1, prev);
  await client.query(new CopyOut(sql, (buf, start, end) => checker.feed(buf, start, end))).done;
  checker.finish();
  return {
    verified: checker.verified,
    firstSeq: checker.firstSeq,
    firstPrev: checker.firstPrev ? checker.firstPrev.toString('hex') : null,
    lastSeq: checker.lastSeq,
    lastHash: checker.lastHash.toString('hex'),
    ...(checker.firstBroken ? { firstBroken: checker.firstBroken } : {}),
  };
}

// ---------------------------------------------------------------------------------------
// The binary COPY stream: an 11-byte signature, flags and header extension, then per row
// a 16-bit field count and each field as a 32-bit length (-1 for NULL) and its bytes,
// then a 16-bit -1. Chunks split rows anywhere; an incomplete row waits in `carry`.

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER = SIGNATURE.length + 8;
const NEEDS_MORE = -1;
const BACKSLASH = 0x5c;
const TAB = 0x09;
/** The letter COPY writes after a backslash for bytes 0x08-0x0d (\b \t \n \v \f \r). */
const ESCAPE_LETTER = [0x62, 0x74, 0x6e, 0x76, 0x66, 0x72];
const HEX = Buffer.from('0123456789abcdef', 'latin1');
const US_PER_DAY = 86_400_000_000;
/** Days from 1970-01-01 to 2000-01-01, the PostgreSQL timestamp epoch. */
const PG_EPOCH_DAYS = 10_957;

/**
 * sha256 of data as a 32-character latin1 string (one char per byte): in one call where
 * the runtime has crypto.hash (Node >= 20.12). A string result costs far less per call
 * than a Buffer, and a million calls is the whole budget of a full verification.
 */
const sha256Latin1: (data: Buffer) => string =
  typeof crypto.hash === 'function' ? (data) => crypto.hash('sha256', data, 'binary') : (data) => crypto.createHash('sha256').update(data).digest('binary');

/** Whether the 32-character latin1 digest equals the 32 bytes at buf[p..]. */
function sameDigest(digest: string, buf: Buffer, p: number): boolean {
  for (let i = 0; i < 32; i++) if (digest.charCodeAt(i) !== buf[p + i]) return false;
  return true;
}

class ChainChecker {
  verified = 0;
  lastSeq: number;
  lastHash: Buffer;
  firstBroken: RangeResult['firstBroken'];
  private expectedSeq: number;
  /** The stored hash of the previous event (the checkpoint's or genesis at the start). */
  private prevHash: Buffer;
  private state: 'header' | 'rows' | 'trailer' = 'header';
  private carry = Buffer.allocUnsafe(1 << 16);
  private carryLen = 0;
  /** prev_hash (32 bytes) followed by the content line: what the event's hash covers. */
  private out = Buffer.allocUnsafe(1 << 16);
  private readonly offs = new Int32Array(FIELDS);
  private readonly lens = new Int32Array(FIELDS);

  /** The first event's seq, and its prev_hash when the checker was not given one (a range joined later). */
  firstSeq: number | null = null;
  firstPrev: Buffer | null = null;
  private takeFirst: boolean;

  constructor(startSeq: number, prev: Buffer | null) {
    this.lastSeq = startSeq;
    this.expectedSeq = startSeq + 1;
    this.takeFirst = prev === null;
    this.prevHash = prev ? Buffer.from(prev) : Buffer.alloc(32);
    this.lastHash = prev ? Buffer.from(prev) : Buffer.alloc(32);
  }

  finish(): void {
    if (this.state !== 'trailer' || this.carryLen > 0) throw new Error('audit chain COPY stream ended early');
  }

  /** Consumes chunk[start, n); throws on a stream that is not a binary COPY of the chain's columns. */
  feed(chunk: Buffer, start: number, n: number): void {
    let pos = start;
    if (this.carryLen > 0) {
      // Complete the pending item with as few bytes of this chunk as it takes.
      let taken = start;
      for (;;) {
        const step = Math.min(n - taken, Math.max(4096, this.carryLen));
        this.append(chunk, taken, taken + step);
        taken += step;
        const end = this.item(this.carry, 0, this.carryLen);
        if (end !== NEEDS_MORE) {
          pos = taken - (this.carryLen - end);
          this.carryLen = 0;
          break;
        }
        if (taken === n) return;
      }
    }
    while (pos < n) {
      const end = this.item(chunk, pos, n);
      if (end === NEEDS_MORE) {
        this.append(chunk, pos, n);
        return;
      }
      pos = end;
    }
  }

  private append(src: Buffer, from: number, to: number): void {
    const need = this.carryLen + (to - from);
    if (need > this.carry.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, this.carry.length * 2));
      this.carry.copy(bigger, 0, 0, this.carryLen);
      this.carry = bigger;
    }
    src.copy(this.carry, this.carryLen, from, to);
    this.carryLen = need;
  }

  /** Consumes one item (header, row or trailer) at buf[pos..end); returns where it ends, or NEEDS_MORE. */
  private item(buf: Buffer, pos: number, end: number): number {
    if (this.state === 'header') {
      if (end - pos < HEADER) return NEEDS_MORE;
      if (buf.compare(SIGNATURE, 0, SIGNATURE.length, pos, pos + SIGNATURE.length) !== 0) throw new Error('audit chain COPY stream: not a binary COPY signature');
      const ext = buf.readUInt32BE(pos + SIGNATURE.length + 4);
      if (end - pos < HEADER + ext) return NEEDS_MORE;
      this.state = 'rows';
      return pos + HEADER + ext;
    }
    if (this.state === 'trailer') throw new Error('audit chain COPY stream: data after the end marker');
    if (end - pos < 2) return NEEDS_MORE;
    const nf = (buf[pos] << 8) | buf[pos + 1];
    if (nf === 0xffff) {
      this.state = 'trailer';
      return pos + 2;
    }
    if (nf !== FIELDS) throw new Error(`audit chain COPY stream: ${nf} fields in a row, expected ${FIELDS}`);
    const { offs, lens } = this;
    let p = pos + 2;
    for (let f = 0; f < FIELDS; f++) {
      if (end - p < 4) return NEEDS_MORE;
      const len = (buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3];
      p += 4;
      offs[f] = p;
      lens[f] = len;
      if (len > 0) {
        if (end - p < len) return NEEDS_MORE;
        p += len;
      }
    }
    this.row(buf);
    return p;
  }

  /** One complete row: its fields are at offs/lens in buf. */
  private row(buf: Buffer): void {
    const { offs, lens } = this;
    this.verified++;
    const seq = lens[0] === 8 ? int64(buf, offs[0]) : NaN;
    const hashOk = lens[8] === 32 && lens[9] === 32;
    if (hashOk) copy32(buf, offs[9], this.lastHash);
    this.lastSeq = seq;
    this.firstSeq ??= seq;
    if (this.firstBroken) return;
    if (!hashOk || !(seq >= 1)) {
      this.firstBroken = { seq, reason: `event ${seq} is malformed (hash columns missing)` };
      return;
    }
    if (this.takeFirst) {
      // A range joined later: its first seq and link are checked at the seam.
      this.takeFirst = false;
      this.expectedSeq = seq;
      copy32(buf, offs[8], this.prevHash);
      this.firstPrev = Buffer.from(this.prevHash);
    }
    if (seq !== this.expectedSeq) {
      this.firstBroken = { seq, reason: `expected event ${this.expectedSeq}, found ${seq}: events are missing or reordered` };
      return;
    }
    if (!same32(this.prevHash, buf, offs[8])) {
      this.firstBroken = { seq, reason: `event ${seq} does not point at the hash of event ${seq - 1}` };
      return;
    }
    const n = this.contentLine(buf);
    if (n < 0) {
      this.firstBroken = { seq, reason: `event ${seq} is malformed (a content column has an unexpected binary form)` };
      return;
    }
    if (!sameDigest(sha256Latin1(this.out.subarray(0, n)), buf, offs[9])) {
      this.firstBroken = { seq, reason: `event ${seq} was altered: its content does not match its hash` };
      return;
    }
    copy32(buf, offs[9], this.prevHash);
    this.expectedSeq = seq + 1;
  }

  /**
   * Writes prev_hash followed by the event's COPY text line (without the newline) into
   * `out`; returns its length, or -1 when a column's binary form is not what it should be.
   */
  private contentLine(buf: Buffer): number {
    const { offs, lens } = this;
    let size = 32 + 128;
    for (let f = 0; f < 8; f++) if (lens[f] > 0) size += 2 * lens[f] + 1;
    if (size > this.out.length) this.out = Buffer.allocUnsafe(Math.max(size, this.out.length * 2));
    const out = this.out;
    copy32(buf, offs[8], out);
    let o = 32;
    // seq bigint
    o = writeDecimal(out, o, int64(buf, offs[0]));
    out[o++] = TAB;
    // occurred_at timestamptz
    if (lens[1] !== 8) return -1;
    o = writeTimestamp(out, o, buf, offs[1]);
    if (o < 0) return -1;
    out[o++] = TAB;
    // account_id uuid (nullable)
    if (lens[2] === -1) {
      out[o++] = BACKSLASH;
      out[o++] = 0x4e; // N
    } else {
      if (lens[2] !== 16) return -1;
      o = writeUuid(out, o, buf, offs[2]);
    }
    // actor, action, subject_type, subject_id: text
    for (let f = 3; f < 7; f++) {
      out[o++] = TAB;
      o = writeText(out, o, buf, offs[f], lens[f]);
    }
    out[o++] = TAB;
    // details jsonb: version 1, then its text form
    if (lens[7] === -1) return writeText(out, o, buf, 0, -1);
    if (lens[7] < 1 || buf[offs[7]] !== 1) return -1;
    return writeText(out, o, buf, offs[7] + 1, lens[7] - 1);
  }
}

/** A big-endian int64 as a number (exact up to 2^53). */
function int64(buf: Buffer, p: number): number {
  const hi = (buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3];
  const lo = ((buf[p + 4] << 24) | (buf[p + 5] << 16) | (buf[p + 6] << 8) | buf[p + 7]) >>> 0;
  return hi * 4294967296 + lo;
}

/** Copies the 32 bytes at src[p..] to the start of dst (a loop: cheaper than Buffer#copy for so few bytes). */
function copy32(src: Buffer, p: number, dst: Buffer): void {
  for (let i = 0; i < 32; i++) dst[i] = src[p + i];
}

/** Whether the first 32 bytes of a equal the 32 bytes at b[p..]. */
function same32(a: Buffer, b: Buffer, p: number): boolean {
  for (let i = 0; i < 32; i++) if (a[i] !== b[p + i]) return false;
  return true;
}

function writeDecimal(out: Buffer, o: number, v: number): number {
  if (v < 0) {
    out[o++] = 0x2d;
    v = -v;
  }
  let width = 1;
  for (let t = v; t >= 10; t = Math.floor(t / 10)) width++;
  return writeDigits(out, o, v, width);
}

function writeDigits(out: Buffer, o: number, v: number, width: number): number {
  for (let i = o + width - 1; i >= o; i--) {
    const q = Math.floor(v / 10);
    out[i] = 48 + (v - q * 10);
    v = q;
  }
  return o + width;
}

/**
 * A timestamptz (microseconds since 2000-01-01 UTC) as COPY prints it with TimeZone=UTC
 * and DateStyle=ISO: `YYYY-MM-DD HH:MM:SS[.ffffff]+00`, trailing zeros of the fraction
 * dropped. Years 2000-9999 (the table's CHECK); anything else returns -1.
 */
function writeTimestamp(out: Buffer, o: number, buf: Buffer, p: number): number {
  const hi = (buf[p] << 24) | (buf[p + 1] << 16) | (buf[p + 2] << 8) | buf[p + 3];
  const lo = ((buf[p + 4] << 24) | (buf[p + 5] << 16) | (buf[p + 6] << 8) | buf[p + 7]) >>> 0;
  let days: number;
  let usOfDay: number;
  if (hi >= 0 && hi < 1 << 21) {
    const v = hi * 4294967296 + lo; // < 2^53: exact
    days = Math.floor(v / US_PER_DAY);
    usOfDay = v - days * US_PER_DAY;
  } else {
    const v = BigInt.asIntN(64, buf.readBigInt64BE(p));
    if (v < 0n) return -1;
    days = Number(v / BigInt(US_PER_DAY));
    usOfDay = Number(v % BigInt(US_PER_DAY));
  }
  // Civil date from days since 1970-01-01 (H. Hinnant's algorithm), proleptic Gregorian.
  const z = days + PG_EPOCH_DAYS + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 2000 || year > 9999) return -1;
  const secs = Math.floor(usOfDay / 1_000_000);
  let frac = usOfDay - secs * 1_000_000;
  o = writeDigits(out, o, year, 4);
  out[o++] = 0x2d;
  o = writeDigits(out, o, month, 2);
  out[o++] = 0x2d;
  o = writeDigits(out, o, day, 2);
  out[o++] = 0x20;
  o = writeDigits(out, o, Math.floor(secs / 3600), 2);
  out[o++] = 0x3a;
  o = writeDigits(out, o, Math.floor(secs / 60) % 60, 2);
  out[o++] = 0x3a;
  o = writeDigits(out, o, secs % 60, 2);
  if (frac > 0) {
    out[o++] = 0x2e;
    let width = 6;
    while (frac % 10 === 0) {
      frac /= 10;
      width--;
    }
    o = writeDigits(out, o, frac, width);
  }
  out[o++] = 0x2b;
  out[o++] = 0x30;
  out[o++] = 0x30;
  return o;
}

function writeUuid(out: Buffer, o: number, buf: Buffer, p: number): number {
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) out[o++] = 0x2d;
    const b = buf[p + i];
    out[o++] = HEX[b >> 4];
    out[o++] = HEX[b & 15];
  }
  return o;
}

/** A text field as COPY text format writes it: \N for NULL, backslash and 0x08-0x0d escaped. */
function writeText(out: Buffer, o: number, buf: Buffer, p: number, len: number): number {
  if (len < 0) {
    out[o++] = BACKSLASH;
    out[o++] = 0x4e; // N
    return o;
  }
  const end = p + len;
  for (let i = p; i < end; i++) {
    const c = buf[i];
    if (c === BACKSLASH) {
      out[o++] = BACKSLASH;
      out[o++] = BACKSLASH;
    } else if (c >= 0x08 && c <= 0x0d) {
      out[o++] = BACKSLASH;
      out[o++] = ESCAPE_LETTER[c - 0x08];
    } else {
      out[o++] = c;
    }
  }
  return o;
}
