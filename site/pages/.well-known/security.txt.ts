/**
 * RFC 9116 security.txt from the catalog's disclosure configuration. Expires is
 * derived from the evidence time (not the build time), 180 days ahead: a site built
 * from stale evidence carries an expiring security.txt.
 */
import type { APIRoute } from 'astro';
import { evidence } from '../../lib/evidence.ts';

export const EXPIRES_AFTER_DAYS = 180;

export const GET: APIRoute = () => {
  const ev = evidence();
  const org = ev.bundle.catalog.organisation;
  const d = org.disclosure;
  const contact = d.contact.includes(':') ? d.contact : `mailto:${d.contact}`;
  const expires = new Date(ev.verifiedAt.getTime() + EXPIRES_AFTER_DAYS * 86_400_000);
  const site = org.website.replace(/\/$/, '');
  const lines = [
    `# ${org.name} security contact. Generated from catalog ${ev.bundle.catalog.version}, evidence signed ${ev.verifiedAt.toISOString()}.`,
    `Contact: ${contact}`,
    `Expires: ${expires.toISOString().replace(/\.\d{3}Z$/, 'Z')}`,
    `Preferred-Languages: ${d.preferredLanguages.join(', ')}`,
    `Canonical: ${site}/.well-known/security.txt`,
    `Policy: ${d.policyUrl}`,
    '',
  ];
  return new Response(lines.join('\n'), { headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
};
