/**
 * The disclosure collector: the vulnerability disclosure policy as the site publishes it.
 * - security.txt rendered by the site's own renderer (site/lib/security-txt.ts) with the
 *   run's time as the evidence time, split into its fields;
 * - every acknowledgement promise the site renders ("we acknowledge ... within N business
 *   day(s)"): in the site pages (a literal, or an expression bound to the catalog's
 *   disclosure block, rendered here with its value) and in control statements, which the
 *   site renders verbatim;
 * - the policy values as configured (controls/catalog.yaml organisation.disclosure).
 * Whether they agree is the checks' judgement.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { defineCollector } from './types.ts';
import { byKey } from './sort.ts';
import { renderSecurityTxt } from '../site/lib/security-txt.ts';

export const DisclosureFactsSchema = z.object({
  securityTxt: z.object({
    renderer: z.string(),
    /** The evidence time it was rendered with (the run's time). */
    renderedAt: z.string(),
    fields: z.array(z.object({ name: z.string(), value: z.string(), line: z.number().int() })),
  }),
  policy: z.object({ file: z.string(), contact: z.string(), acknowledgementBusinessDays: z.number(), policyUrl: z.string() }),
  promises: z.array(
    z.object({
      file: z.string(),
      line: z.number().int(),
      /** The promise as written, trimmed. */
      text: z.string(),
      /** `literal`, `config` (an expression bound to organisation.disclosure), `expression` (anything else). */
      source: z.enum(['literal', 'config', 'expression']),
      /** Business days as the site renders it; null when the expression cannot be resolved. */
      days: z.number().nullable(),
    }),
  ),
});
export type DisclosureFacts = z.output<typeof DisclosureFactsSchema>;

const WORDS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10 };
const PROMISE = /acknowledg\w*[^.\n]*?within\s+(\{([^}]+)\}|\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s+business\s+days?/gi;
/** How the site pages bind the disclosure block: `export const d = evidence().bundle.catalog.organisation.disclosure;` (or via `const ev = evidence()`). */
const BINDING = /(?:export\s+)?const\s+(\w+)\s*=\s*(?:evidence\(\)|\w+)\.bundle\.catalog\.organisation\.disclosure\s*;/g;

function files(dir: string, rel: string): string[] {
  let out: string[] = [];
  for (const e of readdirSync(dir).sort()) {
    const abs = path.join(dir, e);
    if (statSync(abs).isDirectory()) out = out.concat(files(abs, `${rel}/${e}`));
    else if (/\.(mdx|astro|md)$/.test(e)) out.push(`${rel}/${e}`);
  }
  return out;
}

export default defineCollector({
  id: 'disclosure',
  version: '1.0.0',
  description: 'security.txt as the site renders it, the acknowledgement promises the site pages and control statements make, and the configured disclosure policy.',
  needsDatabase: false,
  needsCatalog: true,
  facts: DisclosureFactsSchema,
  async collect(ctx) {
    const org = ctx.catalog.organisation;
    const ack = org.disclosure.acknowledgementBusinessDays;
    const text = renderSecurityTxt({ organisation: org, catalogVersion: ctx.catalog.version, evidenceTime: ctx.now });
    const fields = text.split('\n').flatMap((l, i) => {
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(l);
      return m ? [{ name: m[1], value: m[2], line: i + 1 }] : [];
    });
    const promises: DisclosureFacts['promises'] = [];
    const scan = (file: string, body: string, bound: Set<string>) => {
      for (const m of body.matchAll(PROMISE)) {
        const line = body.slice(0, m.index).split('\n').length;
        const expr = m[2]?.trim();
        let source: DisclosureFacts['promises'][number]['source'] = 'literal';
        let days: number | null;
        if (expr !== undefined) {
          const ref = /^(\w+)\.acknowledgementBusinessDays$/.exec(expr);
          source = ref && bound.has(ref[1]) ? 'config' : 'expression';
          days = source === 'config' ? ack : null; // the value the page renders
        } else days = WORDS[m[1].toLowerCase()] ?? Number(m[1]);
        promises.push({ file, line, text: m[0].replace(/\s+/g, ' ').slice(0, 200), source, days });
      }
    };
    for (const file of files(path.join(ctx.root, 'site', 'pages'), 'site/pages')) {
      const body = readFileSync(path.join(ctx.root, file), 'utf8');
      scan(file, body, new Set([...body.matchAll(BINDING)].map((b) => b[1])));
    }
    // Control statements are rendered on the site verbatim (control pages, badges' titles).
    for (const c of ctx.catalog.controls) {
      const before = promises.length;
      const file = `controls/catalog/${c.id}.yaml`;
      scan(file, c.statement.replace(/\s+/g, ' '), new Set());
      if (promises.length === before) continue;
      let yamlText = '';
      try {
        yamlText = readFileSync(path.join(ctx.root, file), 'utf8');
      } catch {
        /* a catalog given in memory */
      }
      const at = yamlText.split('\n').findIndex((l) => l.startsWith('statement:'));
      for (const p of promises.slice(before)) p.line = at < 0 ? 1 : at + 2; // the statement's first line
    }
    return {
      securityTxt: { renderer: 'site/lib/security-txt.ts', renderedAt: ctx.now.toISOString(), fields },
      policy: { file: 'controls/catalog.yaml', contact: org.disclosure.contact, acknowledgementBusinessDays: ack, policyUrl: org.disclosure.policyUrl },
      promises: promises.sort(byKey((p) => `${p.file}\u0000${String(p.line).padStart(6, '0')}`)),
    };
  },
});
