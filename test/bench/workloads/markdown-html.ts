/**
 * Markdown to a self-contained HTML page, for the Chromium reference of the PDF
 * benchmark: the same report content as our PDF, laid out by the browser. Handles
 * the subset our report uses (headings, paragraphs, lists, tables, quotes, code, emphasis).
 */
function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function inline(s: string): string {
  return esc(s)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
    .replace(/\[([^\]]+)\]\(([^)]+)\)/g, '<a href="$2">$1</a>');
}

function cells(line: string): string[] {
  return line
    .replace(/^\s*\|/, '')
    .replace(/\|\s*$/, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim().replace(/\\\|/g, '|'));
}

export function markdownToHtml(md: string, title: string): string {
  const out: string[] = [];
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (!l.trim()) continue;
    const h = /^(#{1,6})\s+(.*)$/.exec(l);
    if (h) {
      out.push(`<h${h[1].length}>${inline(h[2])}</h${h[1].length}>`);
      continue;
    }
    if (l.startsWith('|')) {
      const head = cells(l);
      i++; // separator row
      const body: string[] = [];
      while (i + 1 < lines.length && lines[i + 1].startsWith('|'))
        body.push(
          `<tr>${cells(lines[++i])
            .map((c) => `<td>${inline(c)}</td>`)
            .join('')}</tr>`,
        );
      out.push(`<table><thead><tr>${head.map((c) => `<th>${inline(c)}</th>`).join('')}</tr></thead><tbody>${body.join('')}</tbody></table>`);
      continue;
    }
    if (/^\s*[-*]\s+/.test(l)) {
      const items = [l];
      while (i + 1 < lines.length && /^\s*[-*]\s+/.test(lines[i + 1])) items.push(lines[++i]);
      out.push(`<ul>${items.map((x) => `<li>${inline(x.replace(/^\s*[-*]\s+/, ''))}</li>`).join('')}</ul>`);
      continue;
    }
    if (l.startsWith('>')) {
      out.push(`<blockquote>${inline(l.replace(/^>\s?/, ''))}</blockquote>`);
      continue;
    }
    const para = [l];
    while (i + 1 < lines.length && lines[i + 1].trim() && !/^(#|\||>|\s*[-*]\s)/.test(lines[i + 1])) para.push(lines[++i]);
    out.push(`<p>${inline(para.join(' '))}</p>`);
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>
body{font:10pt Helvetica,Arial,sans-serif;color:#1b1f24;margin:0}
h1{font-size:22pt}h2{font-size:15pt;break-before:page}h3{font-size:12pt}
table{border-collapse:collapse;width:100%;margin:6pt 0}th,td{border:1px solid #c8ccd0;padding:3pt 5pt;text-align:left;vertical-align:top}
th{background:#eef1f4}code{font:8pt Courier,monospace}blockquote{border-left:3pt solid #b00;margin:6pt 0;padding-left:8pt}
@page{size:A4;margin:2cm}</style></head><body>${out.join('\n')}</body></html>`;
}
