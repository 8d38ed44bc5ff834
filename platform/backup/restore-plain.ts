/**
 * The restore test's load, the plain way (restoreBackup in backup.ts): the dump read line by
 * line and written on one connection, in one transaction committed only after the file's tag
 * authenticated. The faster way is restore-lanes.ts (TRUST_RESTORE_LANES=0 turns it off).
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { BackupError } from './backup-file.ts';
import type { Manifest } from './backup.ts';

const quoteIdent = (s: string) => '"' + s.replace(/"/g, '""') + '"';

/** Loads the dump (manifest line, then one COPY block per table) on `client`; returns the manifest. */
export async function loadDumpPlain(client: pg.Client, plaintext: Readable, done: Promise<void>, name: string): Promise<Manifest> {
  // The COPY in progress, if any: on a failure it is destroyed first, so the chunks it still
  // buffers are not flushed into a connection the failed COPY has already given up (an
  // uncaught TypeError inside pg-copy-streams otherwise).
  let inFlight: { destroy(): void } | null = null;
  try {
    const lines = createInterface({ input: plaintext, crlfDelay: Infinity });
    const it = lines[Symbol.asyncIterator]();
    const first = await it.next();
    if (first.done) throw new BackupError(`${name}: empty dump`);
    const manifest = JSON.parse(first.value) as Manifest;
    await client.query('BEGIN');
    // A scratch copy: triggers off (the chain trigger would re-date and re-hash the events,
    // guards would refuse the load), then every table emptied of what migrations seeded.
    const names = manifest.tables.map((t) => `public.${quoteIdent(t.name)}`);
    for (const n of names) await client.query(`ALTER TABLE ${n} DISABLE TRIGGER ALL`);
    if (names.length) await client.query(`TRUNCATE ${names.join(', ')}`);
    let copying: { stream: NodeJS.WritableStream; finished: Promise<void> } | null = null;
    for (;;) {
      const r = await it.next();
      if (r.done) break;
      const line = r.value;
      if (!copying) {
        const m = /^COPY (.+) FROM stdin;$/.exec(line);
        if (!m) throw new BackupError(`${name}: unexpected line in the dump`);
        const stream = client.query(copyFrom(`COPY ${m[1]} FROM STDIN`));
        inFlight = stream;
        // Stop at once when the server refuses the COPY: a write already queued would otherwise
        // be flushed into the connection the failed COPY released.
        stream.on('error', () => stream.destroy());
        const finished = new Promise<void>((res, rej) => {
          stream.on('finish', () => res());
          stream.on('error', rej);
        });
        finished.catch(() => {}); // awaited below; a failure while waiting for drain must not go unhandled
        copying = { stream, finished };
      } else if (line === '\\.') {
        copying.stream.end();
        await copying.finished;
        copying = null;
        inFlight = null;
      } else if (!copying.stream.write(line + '\n')) await Promise.race([once(copying.stream as unknown as NodeJS.EventEmitter, 'drain'), copying.finished]);
    }
    if (copying) throw new BackupError(`${name}: the dump ends inside a table`);
    await done; // the tag: nothing is committed from a file that does not authenticate
    for (const s of manifest.sequences) {
      if (s.value !== null) await client.query(`SELECT setval($1::regclass, $2)`, [`public.${quoteIdent(s.name)}`, s.value]);
    }
    for (const n of names) await client.query(`ALTER TABLE ${n} ENABLE TRIGGER ALL`);
    await client.query('COMMIT');
    return manifest;
  } catch (e) {
    (inFlight as { destroy(): void } | null)?.destroy();
    throw e;
  }
}
