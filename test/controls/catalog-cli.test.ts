/** `trust catalog` end to end, as a user runs it: a real process, real files, exit codes. */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { realCatalogCopy } from '../helpers/catalog-fixture.ts';

const BIN = path.resolve(import.meta.dirname, '../../evidence/cli/bin.mjs');
const exec = promisify(execFile);

async function trust(cwd: string, ...args: string[]) {
  try {
    const r = await exec(process.execPath, [BIN, 'catalog', ...args], { cwd });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('trust catalog', () => {
  it('validates the real catalog and prints sizes by status and framework as JSON', async () => {
    const copy = await realCatalogCopy();
    try {
      const r = await trust(copy.root, '--json');
      expect(r.code, r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout);
      expect(summary.controls).toBeGreaterThanOrEqual(48);
      expect(Object.keys(summary.byStatus)).toEqual(['live', 'designed', 'roadmap']);
      expect(summary.frameworks.map((f: { id: string }) => f.id)).toEqual(['gdpr', 'iso27001', 'soc2']);
    } finally {
      await copy.cleanup();
    }
  });

  it('exits 2 naming file:line when a control file gets a duplicate key', async () => {
    const copy = await realCatalogCopy();
    try {
      const file = path.join(copy.root, 'controls/catalog/audit_events_append_only.yaml');
      await appendFile(file, '\nid: duplicate-key\n');
      const r = await trust(copy.root);
      expect(r.code).toBe(2);
      const first = r.stderr.split('\n')[0];
      expect(first).toMatch(/^trust catalog: controls\/catalog\/audit_events_append_only\.yaml:\d+:1 \/id {2}Duplicate key "id"/);
      expect(first).toMatch(/\(1 catalog error\)$/);
    } finally {
      await copy.cleanup();
    }
  });

  // Each broken copy must exit 2 with no stack trace, naming the file and the line where
  // the mistake is (not where the parser gave up).
  const broken: { name: string; edit: (text: Buffer) => Buffer; line: (text: string) => number; message: RegExp }[] = [
    {
      name: 'an unclosed flow sequence on the status line',
      edit: (t) => Buffer.from(t.toString('utf8').replace(/^status: live$/m, 'status: [live')),
      line: (t) => t.split('\n').findIndex((l) => l.startsWith('status:')) + 1,
      message: /\/status {2}Malformed YAML: the \[ opened here is never closed with \]/,
    },
    {
      name: 'invalid UTF-8 in the title',
      edit: (t) => {
        const lines = t.toString('latin1').split('\n');
        const i = lines.findIndex((l) => l.startsWith('title:'));
        lines[i] += ' \xff\xfe caf\xe9';
        return Buffer.from(lines.join('\n'), 'latin1');
      },
      line: (t) => t.split('\n').findIndex((l) => l.startsWith('title:')) + 1,
      message: /Invalid UTF-8/,
    },
    {
      name: 'an alias bomb',
      edit: (t) => Buffer.concat([t, Buffer.from('lol:\n  a: &a ["lol", "lol", "lol"]\n  b: &b [*a, *a, *a]\n  c: &c [*b, *b, *b]\n')]),
      line: (t) => t.split('\n').length + 2, // the first alias, two lines below "lol:"
      message: /YAML aliases \(\*name\) are not allowed/,
    },
  ];
  for (const b of broken) {
    it(`exits 2 at the right line for ${b.name}`, async () => {
      const copy = await realCatalogCopy();
      try {
        const file = path.join(copy.root, 'controls/catalog/agent_image_pinned.yaml');
        const original = await readFile(file);
        const expected = b.line(original.toString('utf8'));
        await writeFile(file, b.edit(original));
        const r = await trust(copy.root);
        expect(r.code).toBe(2);
        expect(r.stderr).not.toMatch(/^\s+at /m);
        const first = r.stderr.split('\n')[0];
        expect(first).toMatch(new RegExp(`^trust catalog: controls/catalog/agent_image_pinned\\.yaml:${expected}:\\d+ `));
        expect(first).toMatch(b.message);
      } finally {
        await copy.cleanup();
      }
    });
  }

  it('has --help with an example', async () => {
    const r = await trust(process.cwd(), '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('npx trust catalog');
  });
});
