/** The table printed at the end of a run (and pasted into the README's Performance section). */
import type { BenchResult, Figure } from './types.ts';

function fmt(f: Figure | null): string {
  if (!f) return '-';
  const v = f.value;
  const s = Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
  return `${s} ${f.unit}`;
}

function metText(r: BenchResult): string {
  if (r.skipped) return 'skipped';
  if (r.error) return 'error';
  if (r.met === null) return 'n/a';
  return r.met ? 'yes' : 'NO';
}

export function rows(results: BenchResult[]): string[][] {
  return results.map((r) => [r.name, fmt(r.ours), r.reference ? `${fmt(r.reference)} (${r.reference.name})` : '-', r.ratio === null ? '-' : r.ratio.toFixed(3), r.goal, metText(r)]);
}

const HEAD = ['benchmark', 'ours', 'reference (same run)', 'ratio', 'goal', 'met?'];

/** A plain-text table for the terminal, with the skip and error reasons underneath. */
export function formatTable(results: BenchResult[]): string {
  const body = rows(results);
  const widths = HEAD.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const notes = results.filter((r) => r.skipped || r.error).map((r) => `  ${r.name}: ${r.skipped ? 'skipped: ' + r.skipped : 'error: ' + r.error}`);
  return [line(HEAD), line(widths.map((w) => '-'.repeat(w))), ...body.map(line), ...(notes.length ? ['', ...notes] : []), ''].join('\n');
}

/** The same table as GitHub markdown, for the README. */
export function formatMarkdown(results: BenchResult[]): string {
  const body = rows(results);
  return [`| ${HEAD.join(' | ')} |`, `|${HEAD.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`), ''].join('\n');
}
