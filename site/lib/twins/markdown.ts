/**
 * The markdown of a page's twin, built from the data the page shows (site/lib/pages/*) or
 * from the tree its markdown or MDX source compiles to (twins/content.ts). One set of rules
 * for every twin: inline text reads as the page reads (runs of white space as one space),
 * a badge as its status in bold, a chart as its title and caption with one line per bar.
 * Text is not escaped for markdown: the twin is read by people and language models, and
 * the page's own words are what they should see. Only `|` in a table cell is escaped.
 */
import type { Status } from '../../../evidence/contract.ts';

/** Text as the page lays it out: any run of white space is one space. */
export const text = (s: string | number) => String(s).replace(/\s+/g, ' ');
/** A block's inline content, trimmed. */
export const clean = (s: string) => s.replace(/\s+/g, ' ').trim();

export function link(label: string, href: string): string {
  const t = label.trim();
  return t ? `[${t}](${href})` : '';
}
export function strong(s: string): string {
  const t = s.trim();
  return t ? `**${t}**` : '';
}
export function em(s: string): string {
  const t = s.trim();
  return t ? `*${t}*` : '';
}
/** Backticks inside become apostrophes: a code span cannot hold its own delimiter here. */
export const code = (s: string) => '`' + s.replace(/`/g, "'") + '`';

/** A status badge: the observed status in bold, the claimed one after it when it differs. */
export const badge = (status: Status, claimed?: Status) => `**${status}**${claimed && claimed !== status ? ` (claimed ${claimed})` : ''}`;

/** Catalog prose, whose `backticks` name identifiers (lib/evidence.ts inlineMarkdown on the page). */
export const prose = (s: string) =>
  s
    .split(/(`[^`]+`)/)
    .map((part, i) => (i % 2 ? part : text(part)))
    .join('');

export const heading = (level: number, inline: string) => `${'#'.repeat(level)} ${clean(inline)}`;
/** A paragraph; empty when it has no text (and then left out of the twin). */
export const para = (inline: string) => clean(inline);
export const fence = (body: string) => '```\n' + body.replace(/\n$/, '') + '\n```';

/** What a list item holds after its own text: a nested list, a line of text, a code block. */
export type Sub = { list: Item[]; ordered?: boolean } | { line: string } | { fence: string };
export type Item = string | { text: string; blocks: Sub[] };

/** A list; an item's blocks follow its text on lines of their own, indented under it. */
export function list(items: Item[], ordered = false, depth = 0): string {
  const pad = '  '.repeat(depth + 1);
  return items
    .map((item, i) => {
      const { text: inline, blocks } = typeof item === 'string' ? { text: item, blocks: [] } : item;
      const parts = [clean(inline)];
      for (const b of blocks) {
        if ('list' in b) parts.push(list(b.list, b.ordered, depth + 1));
        else if ('fence' in b)
          parts.push(
            fence(b.fence)
              .split('\n')
              .map((l) => pad + l)
              .join('\n'),
          );
        else parts.push(pad + clean(b.line));
      }
      const kept = parts.filter(Boolean);
      // An item that opens with a block (a card's heading) starts on the marker's line.
      const first = blocks[0];
      if (!parts[0] && first && 'line' in first && kept.length) kept[0] = kept[0]!.trimStart();
      return `${'  '.repeat(depth)}${ordered ? `${i + 1}.` : '-'} ${kept.join('\n')}`;
    })
    .join('\n');
}

/** A table: the first row is its header. */
export function table(rows: string[][]): string {
  if (!rows.length) return '';
  const cells = rows.map((r) => r.map((c) => clean(c).replace(/\|/g, '\\|')));
  const width = Math.max(...cells.map((r) => r.length));
  const line = (r: string[]) => `| ${Array.from({ length: width }, (_, i) => r[i] ?? '').join(' | ')} |`;
  return [line(cells[0]!), `|${' --- |'.repeat(width)}`, ...cells.slice(1).map(line)].join('\n');
}

/** Facts (a <dl>): one item per term, its description after a colon. */
export const facts = (pairs: [string, string][]) => pairs.map(([dt, dd]) => `- **${clean(dt)}**: ${clean(dd)}`).join('\n');

/** A chart, as its title and caption, with a line per bar when it has bars. */
export function chart(title: string, caption: string, bars?: { label: string; counts: string }[]): string[] {
  const head = `*Chart: ${clean([title, caption].filter(Boolean).join('. '))}*`;
  return bars ? [head, bars.map((b) => `- ${clean(b.label)}: ${clean(b.counts)}`).join('\n')] : [head];
}

/** A list inside a line (a table cell, a definition): its items joined with semicolons. */
export const inlineList = (items: string[]) => items.map(clean).join('; ');
