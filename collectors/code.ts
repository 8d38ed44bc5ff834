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
import type { Node as TsNode, SourceFile, CallExpression } from 'ts-morph';

const Loc = { file: z.string(), line: z.number().int().positive() };
export const CodeFactsSchema = z.object({
  root: z.string(),
  files: z.number().int(),
  ciphers: z.array(z.object({
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
  })),
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
const NOT_SECRET = /(^|_)(hash|hashes|digest|prefix|hint|id|ids|count|length|len|name|names|type|kind|status|version|expires|expiry|at|url|ttl|days|hours|seconds|pattern|format|column|table)$/;
const LOGGER = /^(console\.(log|info|warn|error|debug|trace)|(\w+\.)*(logger|log)\.(info|warn|error|debug|trace|fatal|log)|log|warn|process\.(stderr|stdout)\.write|(opts|options|ctx)\.(log|warn|progress))$/;

function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}
export function secretNamed(name: string): boolean {
  const s = snake(name);
  return SECRET_NAME.test(s) && !NOT_SECRET.test(s);
}

export async function scanCode(root: string, dir = 'platform'): Promise<CodeFacts> {
  const { Project, SyntaxKind, Node } = await import('ts-morph');
  const project = new Project({ skipAddingFilesFromTsConfig: true, skipFileDependencyResolution: true, compilerOptions: { allowJs: false, noResolve: true } });
  project.addSourceFilesAtPaths([path.join(root, dir, '**/*.ts'), '!' + path.join(root, dir, '**/*.d.ts')]);
  const files = project.getSourceFiles();
  const rel = (sf: SourceFile) => path.relative(root, sf.getFilePath()).split(path.sep).join('/');
  const facts: CodeFacts = { root: dir, files: files.length, ciphers: [], secretLogging: [], loggingCalls: 0, cookies: [], secretTableWrites: [], functions: [], mathRandom: [] };

  /** Follows an identifier to a `const x = <init>` in an enclosing scope of the same file. */
  const resolve = (node: TsNode, depth = 0): TsNode => {
    if (depth > 4 || !Node.isIdentifier(node)) return node;
    const name = node.getText();
    for (let scope: TsNode | undefined = node.getParent(); scope; scope = scope.getParent()) {
      const decl = scope.getDescendantsOfKind(SyntaxKind.VariableDeclaration).find((d) => d.getName() === name && d.getStart() < node.getStart() && d.getInitializer());
      if (decl) return resolve(decl.getInitializerOrThrow(), depth + 1);
      if (Node.isSourceFile(scope)) break;
    }
    return node;
  };
  const literal = (node: TsNode): string | null => {
    const r = resolve(node);
    return Node.isStringLiteral(r) || Node.isNoSubstitutionTemplateLiteral(r) ? r.getLiteralValue() : null;
  };
  const numberOf = (node: TsNode): number | null => {
    const r = resolve(node);
    return Node.isNumericLiteral(r) ? Number(r.getLiteralValue()) : null;
  };

  for (const sf of files) {
    const file = rel(sf);
    const importsCrypto = sf.getImportDeclarations().some((d) => {
      const spec = d.getModuleSpecifierValue();
      return spec.startsWith('.') && path.relative(root, path.resolve(path.dirname(sf.getFilePath()), spec)).split(path.sep).join('/').startsWith('platform/crypto/');
    });
    for (const f of sf.getFunctions().filter((x) => x.isExported())) {
      const calls = new Set(f.getDescendantsOfKind(SyntaxKind.CallExpression).map((c) => c.getExpression().getText().split('.').pop()!.replace(/[^A-Za-z0-9_$]/g, '')));
      facts.functions.push({ file, line: f.getStartLineNumber(), name: f.getName() ?? 'default', calls: [...calls].filter(Boolean).sort() });
    }
    for (const call of sf.getDescendantsOfKind(SyntaxKind.CallExpression)) {
      const callee = call.getExpression().getText();
      const line = call.getStartLineNumber();
      if (callee === 'createCipheriv' || callee.endsWith('.createCipheriv')) facts.ciphers.push(cipherFact(call, file, line));
      else if (callee === 'Math.random') facts.mathRandom.push({ file, line });
      else if (LOGGER.test(callee)) {
        facts.loggingCalls++;
        const names = new Set<string>();
        for (const arg of call.getArguments()) {
          const nodes = [arg, ...arg.getDescendants()];
          for (const n of nodes) {
            if (Node.isIdentifier(n) && secretNamed(n.getText())) {
              // A property name in `x.secret` is judged on the access; a key in `{ secret: 1 }` counts too.
              names.add(n.getText());
            }
          }
        }
        if (names.size) facts.secretLogging.push({ file, line, callee, names: [...names].sort() });
      }
    }
    for (const lit of [...sf.getDescendantsOfKind(SyntaxKind.StringLiteral), ...sf.getDescendantsOfKind(SyntaxKind.NoSubstitutionTemplateLiteral), ...sf.getDescendantsOfKind(SyntaxKind.TemplateExpression)]) {
      const text = lit.getText();
      const line = lit.getStartLineNumber();
      for (const m of text.matchAll(SECRET_WRITE)) facts.secretTableWrites.push({ file, line, table: m[2].toLowerCase(), verb: m[1].split(/\s+/)[0].toUpperCase(), importsCrypto });
      if (/;\s*(Path|Max-Age|Expires|Domain)=/i.test(text) && /=/.test(text)) {
        const sameSite = /;\s*SameSite=(\w+)/i.exec(text)?.[1] ?? null;
        facts.cookies.push({ file, line, kind: 'set_cookie_string', secure: /;\s*Secure\b/i.test(text), httpOnly: /;\s*HttpOnly\b/i.test(text), sameSite });
      }
    }
    for (const obj of sf.getDescendantsOfKind(SyntaxKind.ObjectLiteralExpression)) {
      const props = new Map(obj.getProperties().filter(Node.isPropertyAssignment).map((p) => [p.getName().replace(/['"]/g, '').toLowerCase(), p.getInitializerOrThrow()]));
      if (!props.has('httponly') && !props.has('samesite')) continue;
      const bool = (k: string) => props.get(k)?.getText() === 'true';
      const ss = props.get('samesite');
      facts.cookies.push({ file, line: obj.getStartLineNumber(), kind: 'options_object', secure: bool('secure'), httpOnly: bool('httponly'), sameSite: ss ? literal(ss) : null });
    }
  }

  function cipherFact(call: CallExpression, file: string, line: number): CodeFacts['ciphers'][number] {
    const [alg, , iv] = call.getArguments();
    const ivNode = iv ? resolve(iv) : undefined;
    let nonceSource: 'randomBytes' | 'other' = 'other';
    let nonceBytes: number | null = null;
    if (ivNode && Node.isCallExpression(ivNode) && /(^|\.)randomBytes$/.test(ivNode.getExpression().getText())) {
      nonceSource = 'randomBytes';
      const n = ivNode.getArguments()[0];
      nonceBytes = n ? numberOf(n) : null;
    }
    const fn = call.getFirstAncestor((a) => Node.isFunctionDeclaration(a) || Node.isMethodDeclaration(a) || Node.isArrowFunction(a) || Node.isFunctionExpression(a));
    const setsAad = Boolean(fn?.getDescendantsOfKind(SyntaxKind.CallExpression).some((c) => /\.setAAD$/.test(c.getExpression().getText())));
    return {
      file, line,
      algorithmExpression: alg?.getText() ?? '',
      algorithm: alg ? literal(alg) : null,
      nonceSource,
      nonceExpression: iv?.getText() ?? '',
      nonceBytes,
      setsAad,
    };
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

export default defineCollector({
  id: 'code',
  version: '1.0.0',
  description: 'ts-morph over platform/: cipher algorithms and nonce sources, secret-named values passed to loggers, cookie attributes, SQL writing token tables, Math.random; each with file:line.',
  needsDatabase: false,
  facts: CodeFactsSchema,
  collect: (ctx) => scanCode(ctx.root),
});
