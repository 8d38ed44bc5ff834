/**
 * Tests that follow each check: test/checks/<id>.test.ts exists for every check id in
 * controls/checks/registry.ts and for no other id. Each file imports its check's module
 * (whose id is the file's name) and tells its story: clean, broken, fixed
 * (test/checks/story.ts). This replaces the coverage assertion that depended on test order.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHECKS } from '../../controls/checks/registry.ts';
import type { CheckDefinition } from '../../controls/checks/types.ts';
import { toldStory } from '../checks/story.ts';

const root = path.resolve(import.meta.dirname, '../..');
const dir = path.join(root, 'test', 'checks');
const SUFFIX = '.test.ts';
const ids = CHECKS.map((c) => c.id);
const files = () =>
  readdirSync(dir)
    .filter((f) => f.endsWith(SUFFIX))
    .map((f) => f.slice(0, -SUFFIX.length));

describe('one test file per check', () => {
  it('check ids are unique and snake_case', () => {
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-z0-9_]*$/);
  });

  it('test/checks/<id>.test.ts for every registered check, and for nothing else', () => {
    const have = new Set(files());
    expect(
      ids.filter((id) => !have.has(id)),
      'registered checks without test/checks/<id>.test.ts',
    ).toEqual([]);
    expect([...have].filter((f) => !ids.includes(f)).sort(), 'test/checks/*.test.ts named after no registered check').toEqual([]);
  });

  it('each file tests the check it is named after, with at least one story', async () => {
    const wrong: string[] = [];
    for (const id of files().filter((f) => ids.includes(f))) {
      const text = readFileSync(path.join(dir, `${id}${SUFFIX}`), 'utf8');
      const m = /^import check from '\.\.\/\.\.\/controls\/checks\/([a-z0-9-]+\.ts)';$/m.exec(text);
      if (!m) {
        wrong.push(`${id}: does not import its check as \`import check from '../../controls/checks/<module>.ts'\``);
        continue;
      }
      const def = ((await import(pathToFileURL(path.join(root, 'controls', 'checks', m[1])).href)) as { default: CheckDefinition }).default;
      if (def.id !== id) wrong.push(`${id}: imports ${m[1]}, the check ${def.id}`);
      if (!/\bcheckOf\(check\)/.test(text) || !/\bstory\(/.test(text)) wrong.push(`${id}: tells no story (checkOf(check), story(...))`);
    }
    expect(wrong).toEqual([]);
  });

  it('a story is a pass, then a fail, then a pass: clean, broken, fixed', () => {
    expect(toldStory(['pass', 'fail', 'pass'])).toBe(true);
    expect(toldStory(['pass', 'pass', 'fail', 'fail', 'pass'])).toBe(true);
    expect(toldStory(['pass', 'fail']), 'never fixed').toBe(false);
    expect(toldStory(['fail', 'pass']), 'never clean').toBe(false);
    expect(toldStory(['pass', 'error', 'pass']), 'an error is not a broken promise').toBe(false);
    expect(toldStory([]), 'nothing run').toBe(false);
  });
});
