/** The transparency log the site publishes (signed checkpoint and tlog-tiles, site/lib/evidence.ts), served as read once. */
import type { APIRoute } from 'astro';
import { evidence } from '../../lib/evidence.ts';

export function getStaticPaths() {
  return (evidence().log?.files ?? []).map((f) => ({ params: { file: f.name }, props: { data: f.data } }));
}

export const GET: APIRoute = ({ props }) => new Response(new Uint8Array((props as { data: Buffer }).data));
