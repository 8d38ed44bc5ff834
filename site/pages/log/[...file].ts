/** The transparency log snapshot published with the bundle (checkpoint and tlog-tiles), served as is. */
import type { APIRoute } from 'astro';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { evidence } from '../../lib/evidence.ts';

export function getStaticPaths() {
  const log = evidence().log;
  return (log?.files ?? []).map((f) => ({ params: { file: f }, props: { source: path.join(log!.dir, f) } }));
}

export const GET: APIRoute = ({ props }) => new Response(readFileSync((props as { source: string }).source));
