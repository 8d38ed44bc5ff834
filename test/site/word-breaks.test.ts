/** Identifiers on the site wrap between their parts, never inside a word. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { breakable, inlineMarkdown } from '../../site/lib/evidence.ts';

describe('identifier line breaks', () => {
  it('offers a break only after underscores, dots, colons and slashes', () => {
    expect(breakable('rls_forced_on_account_tables')).toBe('rls_<wbr>forced_<wbr>on_<wbr>account_<wbr>tables');
    expect(breakable('controls/mappings/iso27001.yaml:12')).toBe('controls/<wbr>mappings/<wbr>iso27001.<wbr>yaml:<wbr>12');
    expect(breakable('a<b')).toBe('a&lt;b');
  });

  it('renders backticked identifiers in prose the same way, and leaves the prose alone', () => {
    expect(inlineMarkdown('The `agents_region_fixed` trigger & more_text')).toBe('The <code>agents_<wbr>region_<wbr>fixed</code> trigger &amp; more_text');
  });

  it('never lets the stylesheet wrap anywhere (which breaks mid-word in narrow cells)', () => {
    const css = readFileSync(path.resolve(import.meta.dirname, '../../site/styles/site.css'), 'utf8');
    expect(css).not.toMatch(/overflow-wrap:\s*anywhere|word-break:\s*break-all/);
  });
});
