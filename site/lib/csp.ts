/**
 * The Content-Security-Policy of every page, read from site/public/_headers (what static
 * hosts send), so the header and the <meta> copy cannot drift. A <meta> policy may not
 * carry frame-ancestors (browsers ignore it there, with a console error), so it is dropped.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { evidence, repoRoot } from './evidence.ts';

export const HEADERS_FILE = 'site/public/_headers';

export function headerPolicy(): string {
  const file = path.join(repoRoot(), HEADERS_FILE);
  const m = /^\s+Content-Security-Policy:\s*(.+)$/m.exec(readFileSync(file, 'utf8'));
  if (!m) throw new Error(`${file}: no Content-Security-Policy line`);
  return m[1]!.trim();
}

let cached: { build: object; policy: string } | undefined;

/** The <meta> policy, read once per build (every page carries it; the evidence identifies the build). */
export function metaPolicy(): string {
  const build = evidence();
  if (cached?.build !== build)
    cached = {
      build,
      policy: headerPolicy()
        .split(';')
        .map((d) => d.trim())
        .filter((d) => d && !d.startsWith('frame-ancestors'))
        .join('; '),
    };
  return cached.policy;
}
