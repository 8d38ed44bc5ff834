/** RFC 9116 security.txt from the catalog's disclosure configuration (renderer: site/lib/security-txt.ts). */
import type { APIRoute } from 'astro';
import { evidence } from '../../lib/evidence.ts';
import { renderSecurityTxt } from '../../lib/security-txt.ts';

export { EXPIRES_AFTER_DAYS } from '../../lib/security-txt.ts';

export const GET: APIRoute = () => {
  const ev = evidence();
  const text = renderSecurityTxt({ organisation: ev.bundle.catalog.organisation, catalogVersion: ev.bundle.catalog.version, evidenceTime: ev.verifiedAt, signingKeySha256: ev.publicKeySha256 });
  return new Response(text, { headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
};
