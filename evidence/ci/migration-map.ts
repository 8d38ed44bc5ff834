/**
 * Where each database object is defined in platform/migrations/*.sql, read from the SQL
 * text (no database needed), so a SARIF finding about a table, column, constraint,
 * index, trigger, policy or function points at the line an engineer edits.
 *
 * The text is masked first (comments and quoted text blanked, newlines kept) so that a
 * "CREATE TABLE" inside a comment or a function body is not taken for a definition.
 * Migrations run in file-name order and a later CREATE OR REPLACE or DROP + CREATE
 * replaces an earlier one, so the last definition wins. Policies created by dynamic SQL
 * in a DO block (EXECUTE format('CREATE POLICY x ON %I', t)) are mapped to that line for
 * the tables the block names in an ARRAY[...] literal, or for every table when the block
 * loops over the catalog (migration 0190).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface SqlLocation {
  /** Repository-relative path with forward slashes. */
  file: string;
  /** 1-based line. */
  line: number;
}

export interface MigrationMap {
  /** `table:public.agents`, `column:public.agents.region`, `trigger:public.agents.agents_region_fixed`, ... -> definition. */
  objects: Map<string, SqlLocation>;
  /** Policy name -> definition for any table (dynamic SQL over the catalog). */
  anyTablePolicies: Map<string, SqlLocation>;
}

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const QNAME = String.raw`${IDENT}(?:\s*\.\s*${IDENT})?`;

/** An identifier as PostgreSQL stores it: unquoted folds to lower case. */
function ident(raw: string): string {
  const s = raw.trim();
  return s.startsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s.toLowerCase();
}

/** `agents` -> `public.agents`; `app."X"` -> `app.X`. */
function qname(raw: string): string {
  const parts = raw.match(new RegExp(IDENT, 'g')) ?? [];
  return parts.length > 1 ? `${ident(parts[0] ?? '')}.${ident(parts[1] ?? '')}` : `public.${ident(parts[0] ?? '')}`;
}

/**
 * Same length as the input, newlines kept: comments and the contents of string literals,
 * quoted identifiers' quotes excepted, and dollar-quoted bodies become spaces. Returns
 * the dollar-quoted bodies too (offset and raw text), for the DO-block scan.
 */
export function maskSql(sql: string): { masked: string; bodies: { start: number; end: number; text: string }[] } {
  const out = sql.split('');
  const bodies: { start: number; end: number; text: string }[] = [];
  const blank = (a: number, b: number) => {
    for (let k = a; k < b; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end < 0 ? sql.length : end;
      blank(i, stop);
      i = stop;
    } else if (c === '/' && sql[i + 1] === '*') {
      // Block comments nest in PostgreSQL.
      let depth = 1;
      let j = i + 2;
      while (j < sql.length && depth > 0) {
        if (sql[j] === '/' && sql[j + 1] === '*') {
          depth++;
          j += 2;
        } else if (sql[j] === '*' && sql[j + 1] === '/') {
          depth--;
          j += 2;
        } else j++;
      }
      blank(i, j);
      i = j;
    } else if (c === "'") {
      const escapes = /[eE]/.test(sql[i - 1] ?? '') && !/[A-Za-z0-9_]/.test(sql[i - 2] ?? '');
      let j = i + 1;
      while (j < sql.length) {
        if (escapes && sql[j] === '\\') {
          j += 2;
          continue;
        }
        if (sql[j] === "'") {
          if (sql[j + 1] === "'") {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      blank(i + 1, j);
      i = j + 1;
    } else if (c === '"') {
      const j = sql.indexOf('"', i + 1);
      i = j < 0 ? sql.length : j + 1;
    } else if (c === '$') {
      const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64));
      // $1 (a parameter) is not a quote; a tag must follow an identifier boundary.
      if (m && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? '')) {
        const tag = m[0];
        const end = sql.indexOf(tag, i + tag.length);
        const stop = end < 0 ? sql.length : end;
        bodies.push({ start: i + tag.length, end: stop, text: sql.slice(i + tag.length, stop) });
        blank(i + tag.length, stop);
        i = stop + tag.length;
      } else i++;
    } else i++;
  }
  return { masked: out.join(''), bodies };
}

/** The text up to the `-- Down Migration` marker of node-pg-migrate, if any. */
function upPart(sql: string): string {
  const m = /^--\s*Down Migration\b/im.exec(sql);
  return m ? sql.slice(0, m.index) : sql;
}

/** Index of the parenthesis closing the one at `open`, in masked text. */
function closing(masked: string, open: number): number {
  let depth = 0;
  for (let k = open; k < masked.length; k++) {
    if (masked[k] === '(') depth++;
    else if (masked[k] === ')' && --depth === 0) return k;
  }
  return masked.length;
}

/** Top-level comma-separated elements of `(...)`, each with its offset. */
function elements(masked: string, open: number, close: number): { at: number; text: string }[] {
  const out: { at: number; text: string }[] = [];
  let depth = 0;
  let start = open + 1;
  for (let k = open + 1; k <= close; k++) {
    const ch = masked[k];
    if (ch === '(') depth++;
    else if (ch === ')' && k < close) depth--;
    else if ((ch === ',' && depth === 0) || k === close) {
      const text = masked.slice(start, k);
      const lead = text.length - text.trimStart().length;
      if (text.trim()) out.push({ at: start + lead, text: text.trim() });
      start = k + 1;
    }
  }
  return out;
}

const TABLE_CONSTRAINT = /^(CONSTRAINT|PRIMARY|UNIQUE|CHECK|FOREIGN|EXCLUDE|LIKE)\b/i;

/** Adds every definition in one migration file to `map` (later calls override earlier ones). */
export function indexMigrationText(file: string, sql: string, map: MigrationMap): void {
  const text = upPart(sql);
  const { masked, bodies } = maskSql(text);
  const lineStarts = [0];
  for (let k = 0; k < text.length; k++) if (text[k] === '\n') lineStarts.push(k + 1);
  const lineOf = (offset: number) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  const put = (key: string, offset: number) => map.objects.set(key, { file, line: lineOf(offset) });
  const statementEnd = (from: number) => {
    const k = masked.indexOf(';', from);
    return k < 0 ? masked.length : k;
  };

  // CREATE TABLE, with its columns and the constraints named (or implicitly named) inside.
  for (const m of masked.matchAll(new RegExp(String.raw`\bCREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(${QNAME})\s*\(`, 'gi'))) {
    const table = qname(m[1]);
    const bare = table.split('.')[1];
    put(`table:${table}`, m.index);
    const open = m.index + m[0].length - 1;
    for (const el of elements(masked, open, closing(masked, open))) {
      const named = /^CONSTRAINT\s+(\S+)/i.exec(el.text);
      if (named) {
        put(`constraint:${table}.${ident(named[1])}`, el.at);
        continue;
      }
      if (TABLE_CONSTRAINT.test(el.text)) {
        // PostgreSQL's own names for unnamed table constraints.
        const cols = (/\(([^)]*)\)/.exec(el.text)?.[1] ?? '')
          .split(',')
          .map((c) => ident(c.split(/\s+/).filter(Boolean)[0] ?? ''))
          .filter(Boolean);
        if (/^PRIMARY/i.test(el.text)) put(`constraint:${table}.${bare}_pkey`, el.at);
        else if (/^UNIQUE/i.test(el.text) && cols.length) put(`constraint:${table}.${bare}_${cols.join('_')}_key`, el.at);
        else if (/^FOREIGN/i.test(el.text) && cols.length) put(`constraint:${table}.${bare}_${cols.join('_')}_fkey`, el.at);
        else if (/^EXCLUDE/i.test(el.text)) put(`constraint:${table}.${bare}_${cols[0] ?? ''}_excl`, el.at);
        continue;
      }
      const col = new RegExp(`^(${IDENT})`).exec(el.text);
      if (!col) continue;
      const name = ident(col[1]);
      put(`column:${table}.${name}`, el.at);
      // Inline constraints: named ones by name, the rest by PostgreSQL's naming rule.
      for (const c of el.text.matchAll(new RegExp(`\\bCONSTRAINT\\s+(${IDENT})`, 'gi'))) put(`constraint:${table}.${ident(c[1])}`, el.at);
      if (/\bPRIMARY\s+KEY\b/i.test(el.text)) put(`constraint:${table}.${bare}_pkey`, el.at);
      if (/\bUNIQUE\b/i.test(el.text)) put(`constraint:${table}.${bare}_${name}_key`, el.at);
      if (/\bREFERENCES\b/i.test(el.text)) put(`constraint:${table}.${bare}_${name}_fkey`, el.at);
      if (/\bCHECK\b/i.test(el.text)) put(`constraint:${table}.${bare}_${name}_check`, el.at);
    }
  }

  // ALTER TABLE ... ADD COLUMN / ADD CONSTRAINT (several clauses per statement).
  for (const m of masked.matchAll(new RegExp(String.raw`\bALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(${QNAME})`, 'gi'))) {
    const table = qname(m[1]);
    const body = masked.slice(m.index, statementEnd(m.index));
    for (const a of body.matchAll(new RegExp(String.raw`\bADD\s+COLUMN\s+(?:IF\s+NOT\s+EXISTS\s+)?(${IDENT})`, 'gi'))) put(`column:${table}.${ident(a[1])}`, m.index + a.index);
    for (const a of body.matchAll(new RegExp(String.raw`\bADD\s+CONSTRAINT\s+(${IDENT})`, 'gi'))) put(`constraint:${table}.${ident(a[1])}`, m.index + a.index);
  }

  for (const m of masked.matchAll(new RegExp(String.raw`\bCREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(${IDENT})\s+ON\s+(?:ONLY\s+)?(${QNAME})`, 'gi'))) {
    put(`index:${qname(m[2]).split('.')[0]}.${ident(m[1])}`, m.index);
  }
  for (const m of masked.matchAll(new RegExp(String.raw`\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:CONSTRAINT\s+)?TRIGGER\s+(${IDENT})\s+[^;]*?\bON\s+(${QNAME})`, 'gi'))) {
    put(`trigger:${qname(m[2])}.${ident(m[1])}`, m.index);
  }
  for (const m of masked.matchAll(new RegExp(String.raw`\bCREATE\s+POLICY\s+(${IDENT})\s+ON\s+(${QNAME})`, 'gi'))) {
    put(`policy:${qname(m[2])}.${ident(m[1])}`, m.index);
  }
  for (const m of masked.matchAll(new RegExp(String.raw`\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE)\s+(${QNAME})\s*\(`, 'gi'))) {
    put(`function:${qname(m[1])}`, m.index);
  }

  // Dynamic policies in DO blocks.
  for (const b of bodies) {
    if (!/\bDO\s*$/i.test(masked.slice(Math.max(0, b.start - 40), b.start).replace(/\$[A-Za-z0-9_]*\$$/, ''))) continue;
    const names = [...(/ARRAY\s*\[([^\]]*)\]/i.exec(b.text)?.[1] ?? '').matchAll(/'([^']+)'/g)].map((x) => x[1]);
    for (const p of b.text.matchAll(new RegExp(String.raw`CREATE\s+POLICY\s+(${IDENT})\s+ON\s+%[sI]`, 'gi'))) {
      const at = b.start + p.index;
      if (names.length) for (const t of names) put(`policy:${qname(t)}.${ident(p[1])}`, at);
      else map.anyTablePolicies.set(ident(p[1]), { file, line: lineOf(at) });
    }
  }
}

/** Reads platform/migrations/*.sql under `root`, in the order the runner applies them. */
export function readMigrationMap(root: string, dir = 'platform/migrations'): MigrationMap {
  const map: MigrationMap = { objects: new Map(), anyTablePolicies: new Map() };
  let files: string[];
  try {
    files = readdirSync(path.join(root, dir))
      .filter((f) => f.endsWith('.sql'))
      .sort();
  } catch {
    return map; // no migrations in this checkout: findings fall back to other locations
  }
  for (const f of files) indexMigrationText(`${dir}/${f}`, readFileSync(path.join(root, dir, f), 'utf8'), map);
  return map;
}

/** `agents` or `public.agents` -> `public.agents`. */
function table(name: string): string {
  return name.includes('.') ? name : `public.${name}`;
}

/**
 * The definition behind a finding's resource, or the nearest one that holds it: a column,
 * constraint, trigger or policy not found by name falls back to its table (the guard lives
 * in the table's definition); a row to its table. `exact` says which.
 */
export function locateDbObject(map: MigrationMap, resource: string): (SqlLocation & { exact: boolean }) | undefined {
  const colon = resource.indexOf(':');
  if (colon < 0) return undefined;
  const kind = resource.slice(0, colon);
  const rest = resource.slice(colon + 1);
  const hit = (key: string) => map.objects.get(key);
  const exact = (l: SqlLocation | undefined) => (l ? { ...l, exact: true } : undefined);
  const near = (l: SqlLocation | undefined) => (l ? { ...l, exact: false } : undefined);
  const lastDot = rest.lastIndexOf('.');
  switch (kind) {
    case 'table':
      return exact(hit(`table:${table(rest)}`));
    case 'column':
    case 'constraint':
    case 'trigger':
    case 'policy': {
      if (lastDot < 0) return undefined;
      const t = table(rest.slice(0, lastDot));
      const name = rest.slice(lastDot + 1);
      const own = hit(`${kind}:${t}.${name}`) ?? (kind === 'policy' ? map.anyTablePolicies.get(name) : undefined);
      return own ? exact(own) : near(hit(`table:${t}`));
    }
    case 'index':
      return exact(hit(`index:${table(rest)}`));
    case 'function': {
      if (rest.includes('#') || rest.includes('/')) return undefined; // a source-code function
      return exact(hit(`function:${table(rest.replace(/\(.*$/s, ''))}`));
    }
    case 'row': {
      // row:public.audit_events.seq=12, row:public.regions.id=eu, row:agents
      const head = rest.includes('=') ? rest.slice(0, rest.indexOf('=')).split('.').slice(0, -1) : rest.split('.');
      const t = head.length >= 2 ? `${head[0]}.${head[1]}` : table(head[0] ?? '');
      return near(hit(`table:${t}`));
    }
    default:
      return undefined;
  }
}
