/**
 * How break tests change code or config without touching the working tree: a copy of the
 * parts the collectors read, in a temporary directory, with the edits applied there.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';

export interface FileEdit {
  /** Relative to the copy's root. */
  file: string;
  edit: (text: string) => string;
}

/** Copies `parts` of `root` into a new directory (named from `prefix`) and applies `edits`; an edit that changes nothing fails the test. */
export function editedCopy(root: string, parts: string[], edits: FileEdit[], prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const p of parts) cpSync(path.join(root, p), path.join(dir, p), { recursive: true });
  for (const e of edits) {
    const file = path.join(dir, e.file);
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      /* a new file */
    }
    const changed = e.edit(text);
    expect(changed, `the edit of ${e.file} changed nothing`).not.toBe(text);
    writeFileSync(file, changed);
  }
  return dir;
}
