/**
 * The evidence history of the transparency log a site publishes (evidence/site/log-snapshot.ts:
 * the latest signed checkpoint and the files it covers, read once), judged at the run's
 * instant: `trust history --json --dir <that log> --as-of <the bundle's signing time>` gives
 * the same document, because it is computed by the same functions (readHistory verifies the
 * whole log against the checkpoint signed by the bundle's key, historyReport derives every
 * figure). The site renders it (site/lib/history.ts); it derives nothing itself.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { parseCheckpointText } from '../tlog/checkpoint.ts';
import { CHECKPOINT_FILE } from '../tlog/log.ts';
import { keyIdOf, parseNote } from '../tlog/note.ts';
import { readHistory } from './read.ts';
import { historyReport, type HistoryReport } from './timeline.ts';

export interface PublishedLogFiles { files: readonly { name: string; data: Buffer }[] }

/**
 * `log` as the site holds it in memory; `key` the evidence key that signs bundle and log;
 * `publishedAt` the directory readers find it under (recorded as the history's log.dir).
 * Throws (one line) when the log does not verify.
 */
export function publishedHistory(log: PublishedLogFiles, key: KeyObject, asOf: Date, publishedAt = '/log/'): HistoryReport {
  const note = log.files.find((f) => f.name === CHECKPOINT_FILE);
  if (!note) throw new Error('the published log has no checkpoint');
  const { origin } = parseCheckpointText(parseNote(note.data.toString('utf8')).text);
  // readHistory verifies a log directory: the files read once are laid out in a scratch copy,
  // so what is verified and judged is byte for byte what the site publishes.
  const dir = mkdtempSync(path.join(os.tmpdir(), 'trust-published-log-'));
  try {
    for (const f of log.files) {
      const file = path.join(dir, ...f.name.split('/'));
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, f.data);
    }
    const report = historyReport(readHistory(dir, [{ name: origin, keyId: keyIdOf(origin, key), publicKey: key }]), asOf);
    return { ...report, log: { ...report.log, dir: publishedAt } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
