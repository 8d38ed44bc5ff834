/** /trust.json: the claims for machines, the exact bytes the gate signed (site/lib/evidence.ts checks them against the bundle). */
import type { APIRoute } from 'astro';
import { evidence } from '../lib/evidence.ts';

export const GET: APIRoute = () => new Response(new Uint8Array(evidence().trustBytes), { headers: { 'Content-Type': 'application/json' } });
