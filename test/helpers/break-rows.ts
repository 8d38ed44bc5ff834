/**
 * The break rows of the break tests (test/collectors/break-*.test.ts), read from their
 * source without running them (they need a database): each row breaks one live control's
 * promise and sees the gate fail. A row is written either as
 * - an object literal with string `control` and `how` properties (a BREAKS table, whose
 *   tests are titled `${control}: ${how}`), or
 * - a test titled `'<control>: <how>'` (or `'<control> and <control>: <how>'` for one break
 *   that fails two controls).
 * test/controls/break-rows.test.ts holds them to the `breaks:` each live control declares.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export interface BreakRow {
  control: string;
  how: string;
  /** Repository-relative file and 1-based line of the row. */
  file: string;
  line: number;
}

export const BREAK_TESTS_DIR = 'test/collectors';
export const BREAK_TEST_FILE = /^break-.*\.test\.ts$/;
const TITLE = /^([a-z][a-z0-9_]*(?: and [a-z][a-z0-9_]*)*): (.+)$/s;

const text = (n: ts.Node | undefined): string | null => (n && (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) ? n.text : null);

/** The break rows of one file's source. */
export function breakRowsOf(source: string, file: string): BreakRow[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const rows: BreakRow[] = [];
  const at = (n: ts.Node) => sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
  const visit = (n: ts.Node): void => {
    if (ts.isObjectLiteralExpression(n)) {
      const prop = (name: string) => n.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === name);
      const control = text(prop('control')?.initializer);
      const how = text(prop('how')?.initializer);
      if (control !== null && how !== null) rows.push({ control, how, file, line: at(n) });
    }
    if (ts.isCallExpression(n) && ts.isIdentifier(n.expression) && (n.expression.text === 'it' || n.expression.text === 'test')) {
      const m = TITLE.exec(text(n.arguments[0]) ?? '');
      if (m) for (const control of m[1].split(' and ')) rows.push({ control, how: m[2], file, line: at(n) });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return rows;
}

/** Every break row of the repository at `root`. */
export function readBreakRows(root: string): BreakRow[] {
  const dir = path.join(root, BREAK_TESTS_DIR);
  return readdirSync(dir)
    .filter((f) => BREAK_TEST_FILE.test(f))
    .sort()
    .flatMap((f) => breakRowsOf(readFileSync(path.join(dir, f), 'utf8'), `${BREAK_TESTS_DIR}/${f}`));
}
