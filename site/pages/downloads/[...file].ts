/** Copies each evidence file into the site byte-for-byte, so the downloads are the files that were signed. */
import type { APIRoute } from 'astro';
import { readFileSync } from 'node:fs';
import { evidence } from '../../lib/evidence.ts';

export function getStaticPaths() {
  return evidence().downloads.map((d) => ({ params: { file: d.name }, props: { source: d.source } }));
}

export const GET: APIRoute = ({ props }) => new Response(readFileSync((props as { source: string }).source));
