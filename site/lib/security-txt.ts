/**
 * RFC 9116 security.txt, rendered from the catalog's organisation block. One renderer for
 * the site route (site/pages/.well-known/security.txt.ts) and for the disclosure collector,
 * so the evidence judges the file the site serves. It renders; it never judges. Expires is
 * derived from the evidence time (not the build time), EXPIRES_AFTER_DAYS ahead: a site
 * built from stale evidence carries an expiring security.txt.
 */
export const EXPIRES_AFTER_DAYS = 180;

export interface SecurityTxtInput {
  organisation: { name: string; website: string; disclosure: { contact: string; policyUrl: string; preferredLanguages: string[] } };
  catalogVersion: string;
  /** When the evidence was signed (the site) or collected (the gate). */
  evidenceTime: Date;
  /** SHA-256 of the evidence signing key (DER, SPKI), published so verifiers can pin the signer. */
  signingKeySha256?: string | null;
}

export function renderSecurityTxt({ organisation: org, catalogVersion, evidenceTime, signingKeySha256 }: SecurityTxtInput): string {
  const d = org.disclosure;
  const contact = d.contact.includes(':') ? d.contact : `mailto:${d.contact}`;
  const expires = new Date(evidenceTime.getTime() + EXPIRES_AFTER_DAYS * 86_400_000);
  const site = org.website.replace(/\/$/, '');
  return [
    `# ${org.name} security contact. Generated from catalog ${catalogVersion}, evidence signed ${evidenceTime.toISOString()}.`,
    `Contact: ${contact}`,
    `Expires: ${expires.toISOString().replace(/\.\d{3}Z$/, 'Z')}`,
    `Preferred-Languages: ${d.preferredLanguages.join(', ')}`,
    `Canonical: ${site}/.well-known/security.txt`,
    `Policy: ${d.policyUrl}`,
    // RFC 9116 has no field for it; a comment points tools at the signed claims.
    `# Machine-readable security claims (signed): ${site}/trust.json`,
    // Pin the evidence signer with this (`trust verify --fingerprint`): a key found beside a
    // bundle proves nothing about who signed it.
    ...(signingKeySha256 ? [`# Evidence signing key SHA-256: ${signingKeySha256}`] : []),
    '',
  ].join('\n');
}
