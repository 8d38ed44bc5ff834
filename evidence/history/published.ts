/**
 * The evidence history of the transparency log a site publishes (evidence/site/log-snapshot.ts:
 * the latest signed checkpoint and the files it covers, read once), judged at the run's
 * instant: `trust history --json --dir <that log> --as-of <the bundle's signing time>` gives
 * the same document, because it is computed by the same functions (readHistory verifies the
 * whole log against the checkpoint signed by the bundle's key, historyReport derives every
 * figure). The site renders it (site/lib/history.ts); it derives nothing itself.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createPublicKey, type KeyObject } from 'node:crypto';
import path from 'node:path';
import { parseCheckpointText } from '../tlog/checkpoint.ts';
import { CHECKPOINT_FILE } from '../tlog/log.ts';
import { memoryFiles } from '../tlog/tiles.ts';
import { keyIdOf, parseNote } from '../tlog/note.ts';
import { readHistory } from './read.ts';
import { historyReport, type HistoryReport } from './timeline.ts';
import { EnvelopeSchema, StatementSchema } from '../bundle/dsse.ts';
import { snapshotLog } from '../site/log-snapshot.ts';

export interface PublishedLogFiles {
  files: readonly { name: string; data: Buffer }[];
}

/**
 * `log` as the site holds it in memory; `key` the evidence key that signs bundle and log;
 * `publishedAt` the directory readers find it under (recorded as the history's log.dir).
 * Throws (one line) when the log does not verify.
 */
export function publishedHistory(log: PublishedLogFiles, key: KeyObject, asOf: Date, publishedAt = '/log/'): HistoryReport {
  const note = log.files.find((f) => f.name === CHECKPOINT_FILE);
  if (!note) throw new Error('the published log has no checkpoint');
  const { origin } = parseCheckpointText(parseNote(note.data.toString('utf8')).text);
  // What is verified and judged is byte for byte what the site publishes: the files read once, in memory.
  const files = memoryFiles(
    log.files.map((f) => [f.name, f.data] as const),
    publishedAt,
  );
  return historyReport(readHistory(files, [{ name: origin, keyId: keyIdOf(origin, key), publicKey: key }]), asOf);
}

/** A history computed ahead of the pages, with the checkpoint note of the log it was read at. */
export interface PrecomputedHistory {
  checkpoint: string;
  report: HistoryReport;
}

/**
 * What the site will show for the run whose set is `bundleDir`, read ahead (evidence/site/build.ts
 * starts it on a thread while Astro compiles): the history of the log in `logDir` at its latest
 * checkpoint, judged at the bundle's signing time. The site uses it only when the log it publishes
 * has that very checkpoint (site/lib/history.ts); otherwise it computes its own. Null when the
 * run was recorded in no log.
 */
export function historyForSite(bundleDir: string, logDir: string): PrecomputedHistory | null {
  const pem = path.join(bundleDir, 'bundle.pub.pem');
  if (!existsSync(path.join(bundleDir, 'log', CHECKPOINT_FILE)) || !existsSync(pem)) return null;
  const envelope = EnvelopeSchema.parse(JSON.parse(readFileSync(path.join(bundleDir, 'bundle.sig.json'), 'utf8')));
  const statement = StatementSchema.parse(JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')));
  const snap = snapshotLog(logDir);
  if (!snap) return null;
  const checkpoint = snap.files.find((f) => f.name === CHECKPOINT_FILE)!.data.toString('utf8');
  return { checkpoint, report: publishedHistory(snap, createPublicKey(readFileSync(pem)), new Date(statement.predicate.signedAt)) };
}
