/**
 * Where an engineer fixes a finding, for SARIF: source code at its file:line (the
 * check says so), a database object at the migration that defines it
 * (./migration-map.ts), a configuration key at its line in the config file, and the
 * control's YAML (the line naming the check) only when none of these applies.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Node } from 'yaml';
import type { Origin } from '../../controls/checks/types.ts';
import { locateDbObject, readMigrationMap, type MigrationMap } from './migration-map.ts';

export type LocationKind = 'code' | 'migration' | 'config' | 'control';

export interface FixLocation {
  /** Repository-relative file. */
  file: string;
  line?: number;
  kind: LocationKind;
}

export type Locator = (origin: Origin, control: string, check: string) => FixLocation | undefined;

/** Reads files relative to the repository root, each once; missing files read as undefined. */
function cachedReader(root: string): (file: string) => string | undefined {
  const cache = new Map<string, string | undefined>();
  return (file) => {
    if (!cache.has(file)) {
      let text: string | undefined;
      try {
        text = readFileSync(path.join(root, file), 'utf8');
      } catch {
        text = undefined;
      }
      cache.set(file, text);
    }
    return cache.get(file);
  };
}

/** The value of a sequence item that identifies it: `table: x`, `name: x`, `id: x`, or a scalar. */
function itemMatches(item: unknown, segment: string): boolean {
  if (isScalar(item)) return String(item.value) === segment;
  if (!isMap(item)) return false;
  return item.items.some(
    (p) => isScalar(p.key) && ['table', 'name', 'id', 'column', 'key'].includes(String(p.key.value)) && isScalar(p.value) && String(p.value.value).replace(/^public\./, '') === segment,
  );
}

/**
 * Line of a dotted key path in a YAML file. The resource's path may start above the
 * file's root (`retention.rules.sessions` in retention.yaml, whose root holds `rules`),
 * so each start is tried and the deepest match wins; a sequence step matches the item
 * whose `table`/`name`/`id` equals the segment.
 */
export function yamlKeyLine(text: string, keyPath: string[]): number | undefined {
  const lc = new LineCounter();
  let doc;
  try {
    doc = parseDocument(text, { lineCounter: lc });
  } catch {
    return undefined;
  }
  let best: { depth: number; offset: number } | undefined;
  for (let start = 0; start < keyPath.length; start++) {
    let node: unknown = doc.contents;
    let depth = 0;
    let offset: number | undefined;
    for (const seg of keyPath.slice(start)) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === seg);
        if (!pair) break;
        offset = (pair.key as Node).range?.[0];
        node = pair.value;
      } else if (isSeq(node)) {
        const item = node.items.find((x) => itemMatches(x, seg));
        if (!item) break;
        offset = (item as Node).range?.[0];
        node = item;
      } else break;
      depth++;
    }
    if (depth > 0 && offset !== undefined && (!best || depth > best.depth)) best = { depth, offset };
  }
  return best ? lc.linePos(best.offset).line : undefined;
}

/** Line of the deepest segment of a key path that appears as a word in a non-YAML file (regions.ts). */
function textKeyLine(text: string, keyPath: string[]): number | undefined {
  const lines = text.split('\n');
  for (const seg of [...keyPath].reverse()) {
    const word = new RegExp(`(^|[^A-Za-z0-9_])['"]?${seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}['"]?\\s*[:,=]`);
    const k = lines.findIndex((l) => word.test(l));
    if (k >= 0) return k + 1;
  }
  return undefined;
}

/** Line of `check: <id>` in a control's YAML file. */
function checkLine(text: string, check: string): number | undefined {
  const k = text.split('\n').findIndex((l) => new RegExp(`\\bcheck:\\s*['"]?${check}['"]?\\s*$`).test(l));
  return k >= 0 ? k + 1 : undefined;
}

export function makeLocator(opts: { root: string; controlFiles: Record<string, string>; migrations?: MigrationMap }): Locator {
  const read = cachedReader(opts.root);
  let migrations = opts.migrations;
  return (origin, control, check) => {
    const resource = origin.resource;
    const kind = resource.slice(0, resource.indexOf(':'));
    if (origin.file && origin.line) return { file: origin.file, line: origin.line, kind: kind === 'config' ? 'config' : 'code' };
    if (kind === 'config' && origin.file) {
      const text = read(origin.file);
      const keyPath = resource.slice('config:'.length).split('.').filter(Boolean);
      const line = text === undefined ? undefined : /\.ya?ml$/.test(origin.file) ? yamlKeyLine(text, keyPath) : textKeyLine(text, keyPath);
      return { file: origin.file, ...(line ? { line } : {}), kind: 'config' };
    }
    migrations ??= readMigrationMap(opts.root);
    const db = locateDbObject(migrations, resource);
    if (db) return { file: db.file, line: db.line, kind: 'migration' };
    if (origin.file) return { file: origin.file, kind: 'code' };
    const file = opts.controlFiles[control];
    if (!file) return undefined;
    const text = read(file);
    const line = text === undefined ? undefined : checkLine(text, check);
    return { file, ...(line ? { line } : {}), kind: 'control' };
  };
}
