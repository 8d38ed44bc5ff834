/** /trust.sig.json: the DSSE envelope over trust.json, when the evidence carries one (a dynamic
 *  route only so that no page is built when it does not). */
import type { APIRoute } from 'astro';
import { evidence } from '../lib/evidence.ts';

export function getStaticPaths() {
  return evidence().trustSignature ? [{ params: { file: 'trust.sig.json' } }] : [];
}

export const GET: APIRoute = () => new Response(new Uint8Array(evidence().trustSignature!), { headers: { 'Content-Type': 'application/json' } });
