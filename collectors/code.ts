/**
 * The code collector: what the TypeScript source under `platform/` does at the few
 * places where security is decided, read syntactically with ts-morph (no type check,
 * no execution). Every fact carries its repository-relative file and line.
 *
 * - every `createCipheriv`: the algorithm and where the nonce comes from;
 * - logger and console calls that pass a value named like a secret;
 * - cookie attributes set in Set-Cookie strings and cookie option objects;
 * - SQL that writes the token and secret tables, wherever it is;
 * - `Math.random` anywhere (checks decide which directories count as security code).
 */
import path from 'node:path';
import { z } from 'zod';
import { defineCollector } from './types.ts';
import { byKey } from './sort.ts';
import { loadTypeScript } from './typescript.ts';
import { codeIdentity, lookupFactCache, withFactCache } from './fact-cache.ts';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

const Loc = { file: z.string(), line: z.number().int().positive() };
export const CodeFactsSchema = z.object({
  root: z.string(),
  files: z.number().int(),
  ciphers: z.array(
    z.object({
      ...Loc,
      /** The algorithm argument as written, and its value when it resolves to a string literal. */
      algorithmExpression: z.string(),
      algorithm: z.string().nullable(),
      /** randomBytes(n) (directly or through a local const), or other. */
      nonceSource: z.enum(['randomBytes', 'other']),
      nonceExpression: z.string(),
      nonceBytes: z.number().int().nullable(),
      /** Whether the enclosing function binds associated data (setAAD) on the cipher. */
      setsAad: z.boolean(),
    }),
  ),
  secretLogging: z.array(z.object({ ...Loc, callee: z.string(), names: z.array(z.string()) })),
  /** Logger/console calls looked at. */
  loggingCalls: z.number().int(),
  cookies: z.array(z.object({ ...Loc, kind: z.enum(['set_cookie_string', 'options_object']), secure: z.boolean(), httpOnly: z.boolean(), sameSite: z.string().nullable() })),
  /** SQL writing a secret table; `importsCrypto`: the file imports from platform/crypto/ (the keyring and column cipher). */
  secretTableWrites: z.array(z.object({ ...Loc, table: z.string(), verb: z.string(), importsCrypto: z.boolean() })),
  /** Exported functions and the names they call (last identifier of each callee), for "X always calls Y" checks. */
  functions: z.array(z.object({ ...Loc, name: z.string(), calls: z.array(z.string()) })),
  mathRandom: z.array(z.object(Loc)),
});
export type CodeFacts = z.output<typeof CodeFactsSchema>;

/** Tables that hold tokens or secrets (written only through the keyring modules). */
export const SECRET_TABLES = ['oauth_connections', 'agent_secrets'];
const SECRET_WRITE = new RegExp(`\\b(INSERT\\s+INTO|UPDATE)\\s+(?:public\\.)?(${SECRET_TABLES.join('|')})\\b`, 'gi');
const SECRET_NAME = /(^|_)(password|passwd|passphrase|secret|token|tokens|api_?key|private_?key|refresh|access_token|ciphertext|plaintext|credentials?)($|_)/;
const NOT_SECRET =
  /(^|_)(hash|hashes|digest|prefix|hint|id|ids|count|length|len|name|names|type|kind|status|version|expires|expiry|at|url|ttl|days|hours|seconds|pattern|format|column|table|failed|failures|failure|succeeded|success|outcome|outcomes|result|results|total|rotated|refreshed)$/;
const LOGGER =
  /^(console\.(log|info|warn|error|debug|trace)|(\w+\.)*(logger|log)\.(info|warn|error|debug|trace|fatal|log)|log|warn|process\.(stderr|stdout)\.write|(opts|options|ctx)\.(log|warn|progress))$/;

function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}
export function secretNamed(name: string): boolean {
  const s = snake(name);
  return SECRET_NAME.test(s) && !NOT_SECRET.test(s);
}

/** The collector's source modules: their hashes key the fact cache (collectors/fact-cache.ts). */
const CODE_MODULES = ['code.ts', 'typescript.ts', 'sort.ts'];

/**
 * The code facts of `root`, from the content-addressed fact cache when every file under
 * `dir` (and the collector) is byte for byte what it was when they were computed.
 */
export async function scanCodeCached(root: string, dir = 'platform', env: NodeJS.ProcessEnv = process.env) {
  const paths = listTs(path.join(root, dir));
  const rel = (abs: string) => path.relative(root, abs).split(path.sep).join('/');
  return withFactCache(
    codeCacheRequest(root, dir, paths),
    (read) =>
      scanCode(
        root,
        dir,
        (abs) => {
          const data = read(rel(abs));
          // Vanished since it was listed: fail as reading it does (ENOENT naming the file).
          return data === null ? readFileSync(abs, 'utf8') : data.toString('utf8');
        },
        paths,
      ),
    env,
  );
}

function codeCacheRequest(root: string, dir: string, paths: string[]) {
  const rel = (abs: string) => path.relative(root, abs).split(path.sep).join('/');
  return { root, collector: 'code', version: VERSION, code: codeIdentity(CODE_MODULES), inputs: { dir }, files: paths.map(rel) };
}

/** The code facts of `root` when the fact cache holds them for these exact files, else undefined (nothing computed). */
export function codeFactsFromCache(root: string, dir = 'platform', env: NodeJS.ProcessEnv = process.env): CodeFacts | undefined {
  return lookupFactCache<CodeFacts>(codeCacheRequest(root, dir, listTs(path.join(root, dir))), env);
}

/** The code facts of `root`, computed (the plain way: no cache). */
export async function scanCode(root: string, dir = 'platform', readSource: (abs: string) => string = (abs) => readFileSync(abs, 'utf8'), listed?: string[]): Promise<CodeFacts> {
  // The compiler bundled with ts-morph, used directly: one syntax walk per file, no
  // wrapper objects, no program, no type check (ts-morph's wrappers cost seconds here).
  const ts = loadTypeScript();
  const paths = listed ?? listTs(path.join(root, dir));
  const facts: CodeFacts = { root: dir, files: paths.length, ciphers: [], secretLogging: [], loggingCalls: 0, cookies: [], secretTableWrites: [], functions: [], mathRandom: [] };
  type N = import('ts-morph').ts.Node;

  for (const abs of paths) {
    const file = path.relative(root, abs).split(path.sep).join('/');
    const sf = ts.createSourceFile(abs, readSource(abs), ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    const lineOf = (n: N) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
    const text = (n: N) => n.getText(sf);
    const decls = new Map<string, import('ts-morph').ts.VariableDeclaration[]>();
    const importsCrypto = sf.statements.some(
      (st) =>
        ts.isImportDeclaration(st) &&
        ts.isStringLiteral(st.moduleSpecifier) &&
        st.moduleSpecifier.text.startsWith('.') &&
        path
          .relative(root, path.resolve(path.dirname(abs), st.moduleSpecifier.text))
          .split(path.sep)
          .join('/')
          .startsWith('platform/crypto/'),
    );
    const isFn = (n: N) => ts.isFunctionDeclaration(n) || ts.isMethodDeclaration(n) || ts.isArrowFunction(n) || ts.isFunctionExpression(n);
    const enclosingFn = (n: N): N | undefined => {
      for (let p = n.parent; p; p = p.parent) if (isFn(p)) return p;
      return undefined;
    };
    const within = (inner: N, outer: N | undefined) => !outer || (inner.pos >= outer.pos && inner.end <= outer.end);
    /** Follows an identifier to the nearest earlier `const x = <init>` visible from it. */
    const resolve = (n: N, depth = 0): N => {
      if (depth > 4 || !ts.isIdentifier(n)) return n;
      const d = (decls.get(n.text) ?? []).filter((x) => x.initializer && x.pos < n.pos && within(n, enclosingFn(x))).pop();
      return d?.initializer ? resolve(d.initializer, depth + 1) : n;
    };
    const literal = (n: N): string | null => {
      const r = resolve(n);
      return ts.isStringLiteralLike(r) ? r.text : null;
    };
    const numberOf = (n: N): number | null => {
      const r = resolve(n);
      return ts.isNumericLiteral(r) ? Number(r.text) : null;
    };
    const calls: import('ts-morph').ts.CallExpression[] = [];
    const strings: N[] = [];
    const objects: import('ts-morph').ts.ObjectLiteralExpression[] = [];
    const walk = (n: N): void => {
      if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name)) decls.set(n.name.text, [...(decls.get(n.name.text) ?? []), n]);
      else if (ts.isCallExpression(n)) calls.push(n);
      else if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isTemplateExpression(n)) strings.push(n);
      else if (ts.isObjectLiteralExpression(n)) objects.push(n);
      if (ts.isFunctionDeclaration(n) && n.name && n.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
        const called = new Set<string>();
        const inner = (c: N): void => {
          if (ts.isCallExpression(c))
            called.add(
              text(c.expression)
                .split('.')
                .pop()!
                .replace(/[^A-Za-z0-9_$]/g, ''),
            );
          ts.forEachChild(c, inner);
        };
        ts.forEachChild(n, inner);
        facts.functions.push({ file, line: lineOf(n), name: n.name.text, calls: [...called].filter(Boolean).sort() });
      }
      ts.forEachChild(n, walk);
    };
    walk(sf);

    for (const call of calls) {
      const callee = text(call.expression);
      const line = lineOf(call);
      if (callee === 'createCipheriv' || callee.endsWith('.createCipheriv')) {
        const [alg, , iv] = call.arguments;
        const ivNode = iv ? resolve(iv) : undefined;
        let nonceSource: 'randomBytes' | 'other' = 'other';
        let nonceBytes: number | null = null;
        if (ivNode && ts.isCallExpression(ivNode) && /(^|\.)randomBytes$/.test(text(ivNode.expression))) {
          nonceSource = 'randomBytes';
          nonceBytes = ivNode.arguments[0] ? numberOf(ivNode.arguments[0]) : null;
        }
        const fn = enclosingFn(call);
        const setsAad = Boolean(fn && calls.some((c) => within(c, fn) && /\.setAAD$/.test(text(c.expression))));
        facts.ciphers.push({ file, line, algorithmExpression: alg ? text(alg) : '', algorithm: alg ? literal(alg) : null, nonceSource, nonceExpression: iv ? text(iv) : '', nonceBytes, setsAad });
      } else if (callee === 'Math.random') {
        facts.mathRandom.push({ file, line });
      } else if (LOGGER.test(callee)) {
        facts.loggingCalls++;
        const names = new Set<string>();
        const scan = (n: N): void => {
          if (ts.isIdentifier(n) && secretNamed(n.text)) names.add(n.text);
          ts.forEachChild(n, scan);
        };
        call.arguments.forEach(scan);
        if (names.size) facts.secretLogging.push({ file, line, callee, names: [...names].sort() });
      }
    }
    for (const lit of strings) {
      const t = text(lit);
      const line = lineOf(lit);
      for (const m of t.matchAll(SECRET_WRITE)) facts.secretTableWrites.push({ file, line, table: m[2].toLowerCase(), verb: m[1].split(/\s+/)[0].toUpperCase(), importsCrypto });
      if (/;\s*(Path|Max-Age|Expires|Domain)=/i.test(t)) {
        const sameSite = /;\s*SameSite=(\w+)/i.exec(t)?.[1] ?? null;
        facts.cookies.push({ file, line, kind: 'set_cookie_string', secure: /;\s*Secure\b/i.test(t), httpOnly: /;\s*HttpOnly\b/i.test(t), sameSite });
      }
    }
    for (const obj of objects) {
      const props = new Map<string, N>();
      for (const p of obj.properties) if (ts.isPropertyAssignment(p)) props.set(text(p.name).replace(/['"]/g, '').toLowerCase(), p.initializer);
      if (!props.has('httponly') && !props.has('samesite')) continue;
      const bool = (k: string) => props.get(k)?.kind === ts.SyntaxKind.TrueKeyword;
      const ss = props.get('samesite');
      facts.cookies.push({ file, line: lineOf(obj), kind: 'options_object', secure: bool('secure'), httpOnly: bool('httponly'), sameSite: ss ? literal(ss) : null });
    }
  }

  const byLoc = byKey((x: { file: string; line: number }) => `${x.file}:${String(x.line).padStart(6, '0')}`);
  facts.ciphers.sort(byLoc);
  facts.secretLogging.sort(byLoc);
  facts.cookies.sort(byLoc);
  facts.secretTableWrites.sort(byLoc);
  facts.mathRandom.sort(byLoc);
  facts.functions.sort(byLoc);
  return facts;
}

/** Every .ts file under `dir` (not .d.ts), in code-point order. */
function listTs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listTs(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

const VERSION = '1.0.0';

export default defineCollector({
  id: 'code',
  version: VERSION,
  description: 'ts-morph over platform/: cipher algorithms and nonce sources, secret-named values passed to loggers, cookie attributes, SQL writing token tables, Math.random; each with file:line.',
  needsDatabase: false,
  ownThread: true,
  facts: CodeFactsSchema,
  // Cached by content (collectors/fact-cache.ts; TRUST_FACT_CACHE=0 computes every time).
  collect: async (ctx) => (await scanCodeCached(ctx.root)).facts,
  cached: async (ctx) => codeFactsFromCache(ctx.root),
});
