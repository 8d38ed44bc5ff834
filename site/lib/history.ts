/**
 * The evidence history the pages show: computed once per build by the evidence layer
 * (publishedHistory, through the contract) from the transparency log this site publishes
 * under /log/, judged at the bundle's signing time, and shaped there too (historyView,
 * claimChanges). The pages only print it: no state, uptime or change is derived here, so
 * every figure equals what `trust history --json --dir <log> --as-of <signedAt>` prints.
 */
import { createPublicKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { claimChanges, historyView, publishedHistory, type ClaimChange, type ControlHistory, type HistoryReport, type HistoryState, type HistoryView } from '../../evidence/contract.ts';
import { evidence, type Evidence } from './evidence.ts';

export { changeKind, TIMELINE_DAYS, type ClaimChange, type ClaimChangeKind, type ControlHistory, type HistoryChange, type TimelineSegment } from '../../evidence/contract.ts';

export interface SiteHistory {
  report: HistoryReport;
  view: HistoryView;
}

let cached: { ev: Evidence; value: Promise<SiteHistory | null> } | undefined;

/** What evidence/site/build.ts hands over: the history read on another thread while Astro compiled. */
interface Handed {
  bundleDir: string;
  result: Promise<{ checkpoint: string; report: HistoryReport } | null>;
}

/** The history of the published log, or null when the run was recorded in no log. Rejects (one line) when the log does not verify. */
export function history(): Promise<SiteHistory | null> {
  const ev = evidence();
  if (cached?.ev !== ev) cached = { ev, value: load(ev) };
  return cached.value;
}

async function load(ev: Evidence): Promise<SiteHistory | null> {
  const pem = path.join(ev.dir, 'bundle.pub.pem');
  if (!ev.log || !existsSync(pem)) return null;
  // Taken as handed only when it was read from the very log this site publishes (same signed checkpoint).
  const handed = (globalThis as Record<symbol, unknown>)[Symbol.for('trust-evidence.site.history')] as Handed | undefined;
  const ready = handed?.bundleDir === ev.dir ? await handed.result.catch(() => null) : null;
  const checkpoint = ev.log.files.find((f) => f.name === 'checkpoint')?.data.toString('utf8');
  let report: HistoryReport;
  if (ready && checkpoint !== undefined && ready.checkpoint === checkpoint) report = ready.report;
  else {
    try {
      report = publishedHistory(ev.log, createPublicKey(readFileSync(pem)), ev.verifiedAt);
    } catch (e) {
      throw new Error(`site: the evidence history of the published transparency log cannot be read: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  return { report, view: historyView(report) };
}

/** One control's history, or undefined when no run in the log evaluated it. */
export async function controlHistory(id: string): Promise<ControlHistory | undefined> {
  return (await history())?.view.controls.get(id);
}

/** The claim changes of every control, newest first, at most `limit` (the Atom feed). */
export async function recentChanges(limit: number): Promise<ClaimChange[]> {
  const h = await history();
  return h ? claimChanges(h.report, limit) : [];
}

/** Words for a state, as the pages print them. */
export const STATE_WORD: Record<HistoryState | 'none', string> = {
  live: 'live',
  failing: 'failing',
  stale: 'stale',
  designed: 'designed',
  roadmap: 'roadmap',
  none: 'no run yet',
};

/** A share (0..1) as a percentage with two decimals, as `trust history` prints it. */
export const percent = (x: number) => `${(x * 100).toFixed(2)}%`;

/** Seconds as days or hours, for spans. */
export const span = (s: number) => (s >= 86_400 ? `${(s / 86_400).toFixed(1)} days` : `${(s / 3600).toFixed(1)} hours`);
