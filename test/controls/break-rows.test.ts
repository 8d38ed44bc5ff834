/**
 * A control that has never been seen to fail is not evidence. Each live control's YAML
 * names how its promise can be broken (`breaks:`), and each of those is a break row in
 * test/collectors/break-*.test.ts: a test titled `<id>: <how>` (or a BREAKS row with the
 * control and `how`) that breaks the promise behind the platform's back and sees the gate
 * fail. Held both ways, without a database (test/helpers/break-rows.ts reads the rows from
 * the source): adding a live control without `breaks`, declaring a break no test performs,
 * or adding a break row the control does not declare fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { breakRowsOf, readBreakRows, type BreakRow } from '../helpers/break-rows.ts';

const root = path.resolve(import.meta.dirname, '../..');
interface ControlYaml {
  id: string;
  status: string;
  breaks?: string[];
}

let controls: ControlYaml[];
let rows: BreakRow[];
beforeAll(() => {
  const dir = path.join(root, 'controls', 'catalog');
  controls = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => parse(readFileSync(path.join(dir, f), 'utf8')) as ControlYaml);
  rows = readBreakRows(root);
});
const live = () => controls.filter((c) => c.status === 'live');
const key = (control: string, how: string) => `${control}: ${how}`;
const where = (r: BreakRow) => `${r.file}:${r.line}`;

describe('break rows', () => {
  it('every live control declares how its promise can be broken (breaks:), each way once', () => {
    expect(live().length).toBeGreaterThan(0);
    expect(
      live()
        .filter((c) => !c.breaks?.length)
        .map((c) => c.id),
      'live controls without breaks:',
    ).toEqual([]);
    const repeated = live().flatMap((c) => (c.breaks ?? []).filter((b, i, all) => all.indexOf(b) !== i).map((b) => key(c.id, b)));
    expect(repeated).toEqual([]);
  });

  it('only live controls declare breaks', () => {
    expect(controls.filter((c) => c.status !== 'live' && c.breaks).map((c) => c.id)).toEqual([]);
  });

  it('every declared break has its break row', () => {
    const found = new Set(rows.map((r) => key(r.control, r.how)));
    const missing = live()
      .flatMap((c) => (c.breaks ?? []).map((b) => key(c.id, b)))
      .filter((k) => !found.has(k));
    expect(missing, 'declared in controls/catalog/<id>.yaml, performed by no test in test/collectors/break-*.test.ts').toEqual([]);
  });

  it('every break row names a live control and a break it declares', () => {
    expect(rows.length).toBeGreaterThan(live().length);
    const declared = new Map(live().map((c) => [c.id, new Set(c.breaks ?? [])]));
    const stray = rows.filter((r) => !declared.get(r.control)?.has(r.how)).map((r) => `${where(r)} ${key(r.control, r.how)}`);
    expect(stray, 'break rows whose control is not live, or whose how is not in its breaks:').toEqual([]);
    const seen = new Map<string, BreakRow>();
    const twice = rows
      .filter((r) => {
        const k = key(r.control, r.how);
        const first = seen.get(k);
        seen.set(k, first ?? r);
        return first;
      })
      .map((r) => `${where(r)} ${key(r.control, r.how)}`);
    expect(twice, 'one break, one row').toEqual([]);
  });

  it('reads rows from BREAKS tables and from test titles, not from other strings', () => {
    const source = `
      const BREAKS = [{ control: 'a_control', how: 'a thing dropped', sql: 'DROP x' }, { control: 'b_control', check: 'c', how: "it's gone" }];
      for (const b of BREAKS) it(\`\${b.control}: \${b.how}\`, () => {});
      it('c_control and d_control: ALTER ROLE x BYPASSRLS', () => {});
      it('e_control: ssh_pwauth: true in the template', () => {});
      it('the untouched demo passes every control broken below', () => {});
      expect(x, 'f_control: not a title').toBe(1);`;
    expect(breakRowsOf(source, 'x.ts').map((r) => [r.control, r.how, r.line])).toEqual([
      ['a_control', 'a thing dropped', 2],
      ['b_control', "it's gone", 2],
      ['c_control', 'ALTER ROLE x BYPASSRLS', 4],
      ['d_control', 'ALTER ROLE x BYPASSRLS', 4],
      ['e_control', 'ssh_pwauth: true in the template', 5],
    ]);
  });
});
