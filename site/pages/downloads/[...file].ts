/** Copies each evidence file into the site byte-for-byte, so the downloads are the files that were signed
 *  (verify.mjs is served with the signing key's fingerprint pinned in it). */
import type { APIRoute } from 'astro';
import { readFileSync } from 'node:fs';
import { evidence } from '../../lib/evidence.ts';

export function getStaticPaths() {
  return evidence().downloads.map((d) => ({ params: { file: d.name }, props: { source: d.source, data: d.data } }));
}

export const GET: APIRoute = ({ props }) => {
  const p = props as { source: string; data?: Buffer };
  return new Response(new Uint8Array(p.data ?? readFileSync(p.source)));
};
