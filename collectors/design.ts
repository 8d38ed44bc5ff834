/**
 * The design collector: do the artifacts that controls name exist? A file, an exported
 * TypeScript symbol in it (ts-morph, syntax only), or a resource address in an
 * infrastructure-as-code file (text search). Line numbers point at the artifact.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { defineCollector } from './types.ts';
import { byKey } from './sort.ts';

export const DesignFactsSchema = z.object({
  artifacts: z.array(z.object({
    control: z.string(),
    file: z.string(),
    symbol: z.string().nullable(),
    resource: z.string().nullable(),
    found: z.boolean(),
    line: z.number().int().nullable(),
    /** Why it was not found. */
    missing: z.string().nullable(),
  })),
});
export type DesignFacts = z.output<typeof DesignFactsSchema>;

/** `resource.vault_mount.transit` or `vault_mount.transit` -> the HCL block `resource "vault_mount" "transit"`; other addresses are searched verbatim. */
function resourceLine(text: string, address: string): number | null {
  const parts = address.split('.');
  const [kind, type, name] = parts[0] === 'resource' || parts[0] === 'data' || parts[0] === 'module' ? parts : ['resource', ...parts];
  const patterns = [
    new RegExp(`^\\s*${kind}\\s+"${type}"${name ? `\\s+"${name}"` : ''}`, 'm'),
    new RegExp(address.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
  ];
  for (const p of patterns) {
    const m = p.exec(text);
    if (m) return text.slice(0, m.index).split('\n').length + (m[0].startsWith('\n') ? 1 : 0);
  }
  return null;
}

/** Line of a top-level export named `symbol` (declaration or `export { x }`), or null. Syntax only. */
function exportedSymbolLine(ts: typeof import('typescript'), abs: string, symbol: string): number | null {
  const sf = ts.createSourceFile(abs, readFileSync(abs, 'utf8'), ts.ScriptTarget.Latest, true);
  const line = (n: import('typescript').Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const exported = (n: import('typescript').Node) => (ts.canHaveModifiers(n) ? ts.getModifiers(n) : undefined)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  for (const st of sf.statements) {
    if (ts.isVariableStatement(st) && exported(st)) {
      for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name) && d.name.text === symbol) return line(d);
    } else if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st) || ts.isEnumDeclaration(st)) && exported(st) && st.name?.text === symbol) {
      return line(st);
    } else if (ts.isExportDeclaration(st) && st.exportClause && ts.isNamedExports(st.exportClause)) {
      for (const e of st.exportClause.elements) if (e.name.text === symbol) return line(e);
    }
  }
  return null;
}

export default defineCollector({
  id: 'design',
  version: '1.0.0',
  description: 'Existence of the design artifacts controls name: files, exported TypeScript symbols, infrastructure-as-code resources, with line numbers.',
  needsDatabase: false,
  facts: DesignFactsSchema,
  async collect(ctx) {
    const wanted = ctx.catalog.controls.flatMap((c) => c.artifacts.map((a) => ({ control: c.id, ...a })));
    let ts: typeof import('typescript') | undefined;
    const out: DesignFacts['artifacts'] = [];
    for (const a of wanted) {
      const abs = path.join(ctx.root, a.file);
      const base = { control: a.control, file: a.file, symbol: a.symbol ?? null, resource: a.resource ?? null };
      if (!existsSync(abs)) { out.push({ ...base, found: false, line: null, missing: `file ${a.file} does not exist` }); continue; }
      if (a.symbol) {
        ts ??= (await import('ts-morph')).ts as unknown as typeof import('typescript');
        const line = exportedSymbolLine(ts, abs, a.symbol);
        out.push(line
          ? { ...base, found: true, line, missing: null }
          : { ...base, found: false, line: null, missing: `${a.file} does not export ${a.symbol}` });
        continue;
      }
      if (a.resource) {
        const line = resourceLine(readFileSync(abs, 'utf8'), a.resource);
        out.push(line ? { ...base, found: true, line, missing: null } : { ...base, found: false, line: null, missing: `${a.file} does not declare ${a.resource}` });
        continue;
      }
      out.push({ ...base, found: true, line: 1, missing: null });
    }
    return { artifacts: out.sort(byKey((x) => `${x.control}\u0000${x.file}\u0000${x.symbol ?? ''}\u0000${x.resource ?? ''}`)) };
  },
});
