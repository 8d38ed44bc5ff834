/**
 * A speed trick of the restore test (restoreBackup in backup.ts): the dump's rows loaded over
 * two connections at once, in large pieces, instead of line by line on one.
 *
 * Why: at scale 100 the restore is most of a demo's backup job, and most of the restore is the
 * server checking each state period against the exclusion constraint through its GiST index
 * (about 27 s of CPU per million rows, one core on one connection). Two connections share
 * that work, as `trust demo --bulk` does when it loads the periods. Reading the plaintext as
 * buffers cut at line ends (not one string and one COPY message per line) also halves the
 * Node side.
 *
 * What stays the same as the plain way (restore-plain.ts), and what differs:
 *  - the same rows reach the same tables, COPY checks every constraint as it loads (CHECK,
 *    UNIQUE, exclusion), and nothing read from the file is committed before its tag
 *    authenticated: each lane's transaction commits only after `done`;
 *  - the scratch database's triggers are disabled and its tables emptied in a transaction of
 *    their own, committed first (the lanes could not load tables another transaction holds
 *    locked), and enabled again after the lanes committed. The scratch database is no one
 *    else's and is dropped after the test, so nothing outside it runs without a trigger;
 *  - the rows of a large table are spread over the lanes, so their physical order differs.
 *
 * TRUST_RESTORE_LANES=0 restores the plain way; test/platform/restore-lanes.test.ts proves both
 * ways restore the same rows, and refuse an altered file alike.
 */
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { trickEnabled } from '../kernel/switches.ts';
import { BackupError } from './backup-file.ts';
import type { Manifest } from './backup.ts';

export const RESTORE_LANES_SWITCH = 'TRUST_RESTORE_LANES';
/** Connections loading at once: the cores of the machines this runs on (2). */
const LANES = 2;
/** Tables with fewer rows than this are loaded on one lane: opening a COPY per lane costs more. */
const SPREAD_FROM_ROWS = 5_000;

export function restoreLanesEnabled(): boolean {
  return trickEnabled(RESTORE_LANES_SWITCH);
}

const TERMINATOR = Buffer.from('\\.\n');
const NL_TERMINATOR = Buffer.from('\n\\.\n');

interface Lane {
  client: pg.Client;
  /** The COPY in progress on this lane, if any. */
  copy: (NodeJS.WritableStream & { destroy(): void; writableNeedDrain: boolean }) | null;
  finished: Promise<void>;
}

/**
 * Loads the dump (manifest line, then one COPY block per table) from `plaintext` into the
 * scratch database `url`, over `first` (already connected) and new connections; returns the
 * manifest. Every lane's transaction is committed only after `done` resolved (the tag).
 */
export async function loadDumpInLanes(first: pg.Client, url: string, plaintext: Readable, done: Promise<void>, name: string): Promise<Manifest> {
  const lanes: Lane[] = [{ client: first, copy: null, finished: Promise.resolve() }];
  let failure: unknown = null;
  let fail!: (e: unknown) => void;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => {});
  const stop = (e: unknown) => {
    failure ??= e;
    fail(e);
  };
  let committed = false;
  try {
    for (let i = 1; i < LANES; i++) {
      const client = new pg.Client({ connectionString: url });
      client.on('error', () => {}); // a failed load closes these connections on purpose (below)
      await client.connect();
      lanes.push({ client, copy: null, finished: Promise.resolve() });
    }
    let manifest: Manifest | null = null;
    let table: { lanes: Lane[] } | null = null;
    let carry = Buffer.alloc(0);
    let turn = 0;

    // Opens the COPY of one table on `use` lanes (each waits for its previous COPY).
    const open = async (statement: string, use: Lane[]) => {
      for (const lane of use) {
        await Promise.race([lane.finished, failed]);
        const stream = lane.client.query(copyFrom(statement)) as unknown as NonNullable<Lane['copy']>;
        lane.copy = stream;
        lane.finished = new Promise<void>((resolve) => stream.on('finish', () => resolve()));
        // Stop at once when the server refuses the COPY (restore-plain.ts says why).
        stream.on('error', (e: Error) => {
          stream.destroy();
          stop(e);
        });
      }
    };
    // Sends whole lines to the lane of the table with room, else waits for one to drain.
    const send = async (data: Buffer): Promise<void> => {
      if (failure) throw failure;
      if (!table || !data.length) return;
      const free = table.lanes.find((l) => !l.copy!.writableNeedDrain);
      if (!free) {
        await Promise.race([...table.lanes.map((l) => once(l.copy! as unknown as NodeJS.EventEmitter, 'drain')), failed]);
        return send(data);
      }
      free.copy!.write(data);
    };

    for await (const chunk of plaintext) {
      let buf = carry.length ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
      for (;;) {
        if (table) {
          // buf starts at a line start. The block ends at the line `\.` (data escapes its backslashes).
          const end = buf.subarray(0, TERMINATOR.length).equals(TERMINATOR) ? 0 : buf.indexOf(NL_TERMINATOR);
          if (end < 0) {
            const last = buf.lastIndexOf(0x0a);
            await send(buf.subarray(0, last + 1));
            buf = buf.subarray(last + 1);
            break;
          }
          const cut = end === 0 ? 0 : end + 1;
          await send(buf.subarray(0, cut));
          for (const l of table.lanes) l.copy!.end();
          table = null;
          buf = buf.subarray(cut + TERMINATOR.length);
          continue;
        }
        const nl = buf.indexOf(0x0a);
        if (nl < 0) break;
        const line = buf.subarray(0, nl).toString('utf8');
        buf = buf.subarray(nl + 1);
        if (!manifest) {
          manifest = JSON.parse(line) as Manifest;
          await prepare(first, manifest);
          // A row that conflicts with one another lane has not committed yet waits for that
          // lane, which waits for this one: a bounded wait turns that into the COPY's error.
          for (const l of lanes) await l.client.query(`${l.client === first ? '' : 'BEGIN; '}SET LOCAL lock_timeout = '30s'`);
          continue;
        }
        const m = /^COPY (.+) FROM stdin;$/.exec(line);
        if (!m) throw new BackupError(`${name}: unexpected line in the dump`);
        const rows = manifest.tables.find((t) => `public.${quoteIdent(t.name)}` === m[1].slice(0, m[1].indexOf(' (')))?.rows ?? 0;
        const use = rows >= SPREAD_FROM_ROWS ? lanes : [lanes[turn++ % lanes.length]];
        await open(`COPY ${m[1]} FROM STDIN`, use);
        table = { lanes: use };
      }
      carry = Buffer.from(buf);
    }
    if (!manifest) throw new BackupError(`${name}: empty dump`);
    if (table || carry.length) throw new BackupError(`${name}: the dump ends inside a table`);
    await Promise.race([Promise.all(lanes.map((l) => l.finished)), failed]);
    await done; // the tag: nothing is committed from a file that does not authenticate
    for (const s of manifest.sequences) {
      if (s.value !== null) await first.query(`SELECT setval($1::regclass, $2)`, [`public.${quoteIdent(s.name)}`, s.value]);
    }
    for (const l of lanes) await l.client.query('COMMIT');
    committed = true;
    await first.query(`BEGIN`);
    for (const t of manifest.tables) await first.query(`ALTER TABLE public.${quoteIdent(t.name)} ENABLE TRIGGER ALL`);
    await first.query(`COMMIT`);
    return manifest;
  } catch (e) {
    for (const l of lanes) l.copy?.destroy();
    throw e;
  } finally {
    // Lane 0 is the caller's. The others: a clean goodbye when all went well, else the
    // socket is closed (a connection left in a failed COPY; the scratch database is dropped).
    for (const l of lanes.slice(1)) {
      if (committed) await l.client.end().catch(() => {});
      else (l.client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    }
  }
}

const quoteIdent = (s: string) => '"' + s.replace(/"/g, '""') + '"';

/** Triggers off and every table emptied of what migrations seeded, committed before the lanes load. */
async function prepare(client: pg.Client, manifest: Manifest): Promise<void> {
  const names = manifest.tables.map((t) => `public.${quoteIdent(t.name)}`);
  await client.query('BEGIN');
  for (const n of names) await client.query(`ALTER TABLE ${n} DISABLE TRIGGER ALL`);
  if (names.length) await client.query(`TRUNCATE ${names.join(', ')}`);
  await client.query('COMMIT');
  await client.query('BEGIN');
}
