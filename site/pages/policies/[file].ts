/** The policies' markdown files byte for byte, so their SHA-256 on the documents page can be checked. */
import type { APIRoute } from 'astro';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { policies, repoRoot, POLICIES_DIR } from '../../lib/evidence.ts';

export function getStaticPaths() {
  return policies().map((d) => ({ params: { file: `${d.name}.md` }, props: { source: path.join(repoRoot(), POLICIES_DIR, `${d.name}.md`) } }));
}

export const GET: APIRoute = ({ props }) => new Response(readFileSync((props as { source: string }).source), { headers: { 'Content-Type': 'text/markdown; charset=utf-8' } });
