/**
 * The design collector: do the artifacts that controls name exist? A file, an exported
 * TypeScript symbol in it (ts-morph, syntax only), or a resource address in an
 * infrastructure-as-code file (text search). Line numbers point at the artifact.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isMap, isSeq, LineCounter, parseAllDocuments, type Node as YamlNode } from 'yaml';
import { z } from 'zod';
import { defineCollector, type CollectorContext } from './types.ts';
import { byKey } from './sort.ts';
import { loadTypeScript, type TypeScript } from './typescript.ts';
import { codeIdentity, lookupFactCache, withFactCache } from './fact-cache.ts';

export const DesignFactsSchema = z.object({
  artifacts: z.array(
    z.object({
      control: z.string(),
      file: z.string(),
      symbol: z.string().nullable(),
      resource: z.string().nullable(),
      found: z.boolean(),
      line: z.number().int().nullable(),
      /** Why it was not found. */
      missing: z.string().nullable(),
    }),
  ),
});
export type DesignFacts = z.output<typeof DesignFactsSchema>;

/** `resource.vault_mount.transit` or `vault_mount.transit` -> the HCL block `resource "vault_mount" "transit"`; other addresses are searched verbatim. */
function resourceLine(text: string, address: string): number | null {
  const parts = address.split('.');
  const [kind, type, name] = parts[0] === 'resource' || parts[0] === 'data' || parts[0] === 'module' ? parts : ['resource', ...parts];
  const patterns = [new RegExp(`^\\s*${kind}\\s+"${type}"${name ? `\\s+"${name}"` : ''}`, 'm'), new RegExp(address.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))];
  for (const p of patterns) {
    const m = p.exec(text);
    if (m) return text.slice(0, m.index).split('\n').length + (m[0].startsWith('\n') ? 1 : 0);
  }
  return null;
}

/**
 * Addresses in YAML artifacts, resolved structurally so that a comment or a value that
 * merely mentions the name does not count:
 * `Kind/name` (a Kubernetes-style document), `key/value` (a list item such as a Falco
 * `rule:`), or a dotted path of keys (`sources.platform_cli_log`).
 */
function yamlResourceLine(text: string, address: string): number | null {
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: counter });
  if (!Array.isArray(docs)) return null;
  const lineOf = (n: YamlNode | null | undefined) => (n?.range ? counter.linePos(n.range[0]).line : null);
  const slash = address.indexOf('/');
  for (const doc of docs) {
    if (doc.errors.length) continue;
    const root = doc.contents;
    if (slash > 0) {
      const [head, value] = [address.slice(0, slash), address.slice(slash + 1)];
      if (isMap(root) && doc.get('kind') === head && doc.getIn(['metadata', 'name']) === value) return lineOf(root);
      if (isSeq(root)) {
        for (const item of root.items) if (isMap(item) && (item.get(head) as unknown) === value) return lineOf(item as YamlNode);
      }
    } else if (address.includes('.')) {
      const keys = address.split('.');
      if (doc.hasIn(keys)) {
        const parent = keys.length > 1 ? doc.getIn(keys.slice(0, -1), true) : root;
        const pair = isMap(parent) ? parent.items.find((p) => (p.key as { value?: unknown } | null)?.value === keys.at(-1)) : undefined;
        return lineOf(pair?.key as YamlNode | undefined) ?? lineOf(root);
      }
    }
  }
  return null;
}

/** Line of a top-level export named `symbol` (declaration or `export { x }`), or null. Syntax only. */
function exportedSymbolLine(ts: TypeScript, abs: string, source: string, symbol: string): number | null {
  const sf = ts.createSourceFile(abs, source, ts.ScriptTarget.Latest, true);
  const line = (n: import('ts-morph').ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const exported = (n: import('ts-morph').ts.Node) => (ts.canHaveModifiers(n) ? ts.getModifiers(n) : undefined)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  for (const st of sf.statements) {
    if (ts.isVariableStatement(st) && exported(st)) {
      for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name) && d.name.text === symbol) return line(d);
    } else if (
      (ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st) || ts.isEnumDeclaration(st)) &&
      exported(st) &&
      st.name?.text === symbol
    ) {
      return line(st);
    } else if (ts.isExportDeclaration(st) && st.exportClause && ts.isNamedExports(st.exportClause)) {
      for (const e of st.exportClause.elements) if (e.name.text === symbol) return line(e);
    }
  }
  return null;
}

export interface WantedArtifact {
  control: string;
  file: string;
  symbol?: string;
  resource?: string;
}

/** The collector's source modules and the libraries that shape its facts: they key the fact cache. */
const DESIGN_CODE = () => codeIdentity(['design.ts', 'typescript.ts', 'sort.ts'], ['yaml']);
const VERSION = '1.0.0';

/**
 * The design facts, from the content-addressed fact cache (collectors/fact-cache.ts) when
 * the artifacts asked about, which of them exist, and the bytes of every file searched
 * are what they were; else computed (and stored). TRUST_FACT_CACHE=0 computes every time.
 */
function designCacheRequest(root: string, wanted: WantedArtifact[]) {
  const exists = wanted.map((a) => existsSync(path.join(root, a.file)));
  // Only files searched for a symbol or a resource are read; for the others existence is the input.
  const files = wanted.filter((a, i) => exists[i] && (a.symbol || a.resource)).map((a) => a.file);
  return { exists, req: { root, collector: 'design', version: VERSION, code: DESIGN_CODE(), inputs: { wanted, exists }, files } };
}

/** The design facts when the fact cache holds them for exactly these artifacts and files, else undefined (nothing computed). */
export function designFactsFromCache(root: string, wanted: WantedArtifact[], env: NodeJS.ProcessEnv = process.env): DesignFacts | undefined {
  return lookupFactCache<DesignFacts>(designCacheRequest(root, wanted).req, env);
}

export async function designFactsCached(root: string, wanted: WantedArtifact[], env: NodeJS.ProcessEnv = process.env) {
  const { exists, req } = designCacheRequest(root, wanted);
  return withFactCache(
    req,
    (read) =>
      designFacts(
        root,
        wanted,
        (file) => {
          const data = read(file);
          // Vanished since existsSync saw it: fail as reading it does.
          return data === null ? readFileSync(path.join(root, file), 'utf8') : data.toString('utf8');
        },
        exists,
      ),
    env,
  );
}

/** The design facts, computed (the plain way: no cache). */
export function designFacts(
  root: string,
  wanted: WantedArtifact[],
  readText: (file: string) => string = (file) => readFileSync(path.join(root, file), 'utf8'),
  exists: boolean[] = wanted.map((a) => existsSync(path.join(root, a.file))),
): DesignFacts {
  let ts: TypeScript | undefined;
  const out: DesignFacts['artifacts'] = [];
  for (const [i, a] of wanted.entries()) {
    const abs = path.join(root, a.file);
    const base = { control: a.control, file: a.file, symbol: a.symbol ?? null, resource: a.resource ?? null };
    if (!exists[i]) {
      out.push({ ...base, found: false, line: null, missing: `file ${a.file} does not exist` });
      continue;
    }
    if (a.symbol) {
      ts ??= loadTypeScript();
      const line = exportedSymbolLine(ts, abs, readText(a.file), a.symbol);
      out.push(line ? { ...base, found: true, line, missing: null } : { ...base, found: false, line: null, missing: `${a.file} does not export ${a.symbol}` });
      continue;
    }
    if (a.resource) {
      const text = readText(a.file);
      // A structural YAML address must resolve structurally; plain words fall back to a text search.
      const structural = /\.ya?ml$/.test(a.file) && /[./]/.test(a.resource);
      const line = structural ? yamlResourceLine(text, a.resource) : resourceLine(text, a.resource);
      out.push(line ? { ...base, found: true, line, missing: null } : { ...base, found: false, line: null, missing: `${a.file} does not declare ${a.resource}` });
      continue;
    }
    out.push({ ...base, found: true, line: 1, missing: null });
  }
  return { artifacts: out.sort(byKey((x) => `${x.control}\u0000${x.file}\u0000${x.symbol ?? ''}\u0000${x.resource ?? ''}`)) };
}

function wantedArtifacts(catalog: CollectorContext['catalog']): WantedArtifact[] {
  return catalog.controls.flatMap((c) => c.artifacts.map((a) => ({ control: c.id, ...a })));
}

export default defineCollector({
  id: 'design',
  version: VERSION,
  description: 'Existence of the design artifacts controls name: files, exported TypeScript symbols, infrastructure-as-code resources, with line numbers.',
  needsDatabase: false,
  needsCatalog: true,
  ownThread: true,
  facts: DesignFactsSchema,
  async collect(ctx) {
    return (await designFactsCached(ctx.root, wantedArtifacts(ctx.catalog))).facts;
  },
  cached: async (ctx) => designFactsFromCache(ctx.root, wantedArtifacts(ctx.catalog)),
});
