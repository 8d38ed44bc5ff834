/** The transparency log the site publishes (signed checkpoint and tlog-tiles, site/lib/evidence.ts), served as read once. */
import type { APIRoute } from 'astro';
import { evidence } from '../../lib/evidence.ts';

export function getStaticPaths() {
  return (evidence().log?.files ?? []).map((f) => ({ params: { file: f.name }, props: { data: f.data } }));
}

// A view of the bytes read, not a copy: the log is 25 MB at 90 days of 200 controls.
export const GET: APIRoute = ({ props }) => {
  const { data } = props as { data: Buffer };
  return new Response(new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength));
};
