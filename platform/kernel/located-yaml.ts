/**
 * Located YAML: every problem of a YAML file reported at once, each at its file:line:col and
 * JSON pointer (`file:line:col /pointer  message`). The catalog loader (controls/loader.ts)
 * and the platform's config loaders (encrypted columns, retention, tool controls) share it,
 * so a config file is reported the way a control file is.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CST, LineCounter, Parser, parseDocument, visit, isMap, isScalar, isSeq, type Document, type Node, type YAMLError } from 'yaml';
import type { z } from 'zod';
import { InputError } from './errors.ts';

export type Segment = string | number;

/** One located problem in a YAML file. */
export interface LocatedDiagnostic {
  /** Repository-relative path. @example "controls/catalog/oauth_tokens_encrypted.yaml" */
  file: string;
  /** 1-based line and column of the offending key or value. */
  line: number;
  col: number;
  /** JSON pointer of the bad value inside the file; "/" for the whole document. @example "/checks/1/params/column" */
  pointer: string;
  /** What is wrong and, where possible, how to fix it. One sentence. */
  message: string;
}

/** A parsed YAML file with what maps its nodes back to lines. */
export interface Source {
  file: string;
  doc: Document;
  lines: LineCounter;
}

/** `file:line:col pointer  message`, the format shared by the CLI, tests and CI logs. */
export function formatDiagnostic(d: LocatedDiagnostic): string {
  return `${d.file}:${d.line}:${d.col} ${d.pointer}  ${d.message}`;
}

/** Orders diagnostics by file, then position, so output is stable between runs. */
export function sortDiagnostics(list: LocatedDiagnostic[]): LocatedDiagnostic[] {
  return [...list].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.col - b.col || (a.pointer < b.pointer ? -1 : a.pointer > b.pointer ? 1 : 0)));
}

/** Collects the diagnostics of one load. */
export class Diagnostics {
  readonly diagnostics: LocatedDiagnostic[] = [];

  at(src: Source, segs: Segment[], message: string): void {
    const { line, col } = locate(src, segs);
    this.diagnostics.push({ file: src.file, line, col, pointer: toPointer(segs), message });
  }

  atFile(file: string, message: string): void {
    this.diagnostics.push({ file, line: 1, col: 1, pointer: '/', message });
  }
}

/**
 * Decodes and parses one YAML file's bytes; YAML errors (syntax, duplicate keys, invalid
 * UTF-8, aliases) become diagnostics and the result is null. `kind` names the files in
 * the alias message ("catalog files").
 */
export function parseSource(bytes: Buffer, file: string, run: Diagnostics, kind: string): Source | null {
  const text = decodeUtf8(bytes, file, run);
  if (text === null) return null;
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const src: Source = { file, doc, lines };
  // An unclosed [ or { swallows the lines after it, and the parser reports where it gave
  // up; the author needs the line where the bracket was opened (one mistake, one diagnostic).
  const opener = doc.errors.length ? unclosedFlowCollection(text) : undefined;
  if (opener) {
    const where = lines.linePos(opener.offset);
    const segs = pathAtOffset(doc, opener.offset);
    run.diagnostics.push({
      file,
      line: where.line,
      col: where.col,
      pointer: toPointer(segs),
      message: `Malformed YAML: the ${opener.char} opened here is never closed with ${opener.char === '[' ? ']' : '}'}.`,
    });
    return null;
  }
  for (const err of doc.errors) {
    const segs = pathAtOffset(doc, err.pos[0]);
    // An unclosed quote is reported where the file ends; the author needs the place
    // where it was opened, which is the value at the same path.
    const where = err.code === 'MISSING_CHAR' && segs.length > 0 ? locate(src, segs) : lines.linePos(err.pos[0]);
    run.diagnostics.push({ file, line: where.line, col: where.col, pointer: toPointer(segs), message: yamlMessage(err, segs) });
  }
  if (doc.errors.length) return null;
  // These files have no use for aliases, and an alias bomb ("billion laughs") would
  // expand into gigabytes when converted: refuse any alias, located at the first one.
  let alias: Node | undefined;
  visit(doc, {
    Alias(_, node) {
      alias = node as Node;
      return visit.BREAK;
    },
  });
  if (alias) {
    const offset = alias.range?.[0] ?? 0;
    const where = lines.linePos(offset);
    run.diagnostics.push({ file, line: where.line, col: where.col, pointer: toPointer(pathAtOffset(doc, offset)), message: `YAML aliases (*name) are not allowed in ${kind}; write the value out.` });
    return null;
  }
  return src;
}

/** Reports every zod issue of a document at its line: unknown keys one by one, at the key. */
export function reportZodIssues(run: Diagnostics, src: Source, issues: readonly z.core.$ZodIssue[]): void {
  for (const issue of issues) {
    const segs = issue.path.map(seg);
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) run.at(src, [...segs, key], `Unknown field "${key}"; remove it or check its spelling.`);
    } else {
      run.at(src, segs, `${issue.message}.`);
    }
  }
}

/**
 * Reads, parses and validates one YAML config file, reporting every problem with its
 * file:line:col at once: an InputError (exit 2) whose message is the first diagnostic and
 * whose details are all of them. `display` is the path the diagnostics name (repository-relative).
 */
export function loadLocatedYaml<S extends z.ZodTypeAny>(file: string, schema: S, display = path.relative(process.cwd(), file) || file): z.output<S> {
  const run = new Diagnostics();
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new InputError(`${display}: cannot read file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`, { cause: e });
  }
  const src = parseSource(bytes, display, run, 'config files');
  if (src) {
    const parsed = schema.safeParse(src.doc.toJS());
    if (parsed.success) return parsed.data as z.output<S>;
    reportZodIssues(run, src, parsed.error.issues);
  }
  throw locatedError(run.diagnostics, 'config');
}

/** An InputError listing every diagnostic, headed by the first: `<first> (N <what> errors)`. */
export function locatedError(diagnostics: LocatedDiagnostic[], what: string): InputError {
  const sorted = sortDiagnostics(diagnostics);
  const first = sorted[0];
  const head = first ? formatDiagnostic(first) : `${what} is invalid`;
  const count = sorted.length === 1 ? `1 ${what} error` : `${sorted.length} ${what} errors`;
  return new InputError(`${head} (${count})`, { details: sorted.map(formatDiagnostic) });
}

/** Strict UTF-8: invalid bytes are an error at their line and column, never replaced silently. */
function decodeUtf8(bytes: Buffer, file: string, run: Diagnostics): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // The lenient decoding puts U+FFFD where the first invalid sequence is.
    const lenient = new TextDecoder('utf-8').decode(bytes);
    const at = lenient.indexOf('\uFFFD');
    const before = lenient.slice(0, Math.max(0, at));
    const line = before.split('\n').length;
    const col = at - (before.lastIndexOf('\n') + 1) + 1;
    run.diagnostics.push({ file, line, col, pointer: '/', message: 'Invalid UTF-8 at this position; save the file as UTF-8.' });
    return null;
  }
}

/** The first flow collection ([...] or {...}) that the text opens and never closes. */
function unclosedFlowCollection(text: string): { offset: number; char: '[' | '{' } | undefined {
  let found: { offset: number; char: '[' | '{' } | undefined;
  for (const token of new Parser().parse(text)) {
    if (token.type !== 'document') continue;
    CST.visit(token, (item) => {
      for (const n of [item.key, item.value]) {
        if (found || !n || n.type !== 'flow-collection') continue;
        const close = n.start.source === '[' ? ']' : '}';
        if (!n.end.some((t) => t.source === close)) found = { offset: n.offset, char: n.start.source as '[' | '{' };
      }
      return found ? CST.visit.BREAK : undefined;
    });
    if (found) break;
  }
  return found;
}

export function yamlMessage(err: YAMLError, segs: Segment[]): string {
  if (err.code === 'DUPLICATE_KEY') {
    const key = segs.length ? `"${String(segs.at(-1))}" ` : '';
    return `Duplicate key ${key}in a mapping: a key may appear only once; remove or rename one.`;
  }
  const first = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  return `Malformed YAML (${err.code}): ${first.replace(/[.:]?$/, '.')}`;
}

/** Line and column of the value at `segs`: the key for map entries (where an author looks), the item for sequence entries. */
export function locate(src: Source, segs: Segment[]): { line: number; col: number } {
  let node: unknown = src.doc.contents;
  let offset = (node as Node | null)?.range?.[0] ?? 0;
  for (const s of segs) {
    if (isMap(node)) {
      const pair = node.items.find((it) => keyOf(it.key) === String(s));
      if (!pair) break;
      offset = (pair.key as Node | null)?.range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node)) {
      const item = node.items[Number(s)] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return src.lines.linePos(offset);
}

/** The path of the deepest node around `offset`, for errors the YAML parser reports by position. */
export function pathAtOffset(doc: Document, offset: number): Segment[] {
  const segs: Segment[] = [];
  let node: unknown = doc.contents;
  const within = (n: unknown) => {
    const r = (n as Node | null)?.range;
    return !!r && offset >= r[0] && offset <= r[2];
  };
  for (;;) {
    if (isMap(node)) {
      const hit = [...node.items].reverse().find((it) => within(it.key) || within(it.value));
      if (!hit) break;
      segs.push(keyOf(hit.key));
      if (within(hit.key)) break;
      node = hit.value;
    } else if (isSeq(node)) {
      const i = node.items.findIndex((it) => within(it));
      if (i < 0) break;
      segs.push(i);
      node = node.items[i];
    } else {
      break;
    }
  }
  return segs;
}

export function keyOf(k: unknown): string {
  return isScalar(k) ? String(k.value) : String(k);
}

export function seg(s: PropertyKey): Segment {
  return typeof s === 'number' ? s : String(s);
}

export function toPointer(segs: Segment[]): string {
  if (segs.length === 0) return '/';
  return segs.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

export function fromPointer(p: string): Segment[] {
  if (!p) return [];
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}
