/**
 * Every live control has a break row: a test under test/collectors/break-*.test.ts that
 * names it, breaks the promise and sees the gate fail (style: a control that has never
 * been seen to fail is not evidence). Adding a live control without one fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

it('every live control id appears in a break test', () => {
  const dir = path.join(root, 'controls', 'catalog');
  const live = readdirSync(dir).filter((f) => f.endsWith('.yaml'))
    .map((f) => parse(readFileSync(path.join(dir, f), 'utf8')) as { id: string; status: string })
    .filter((c) => c.status === 'live').map((c) => c.id);
  const tests = readdirSync(path.join(root, 'test', 'collectors')).filter((f) => /^break-.*\.test\.ts$/.test(f))
    .map((f) => readFileSync(path.join(root, 'test', 'collectors', f), 'utf8')).join('\n');
  expect(live.length).toBeGreaterThan(0);
  expect(live.filter((id) => !new RegExp(`\\b${id}\\b`).test(tests))).toEqual([]);
});
