/**
 * The markdown twins of the documents (pages/documents/), a policy
 * (pages/documents/[doc].astro, whose text is its markdown file's compiled tree:
 * twins/content.ts) and the downloads page (pages/downloads.astro).
 */
import { evidence, isoMinute, policies, type PolicyDocument } from '../evidence.ts';
import { fillContent } from '../twins/frame.ts';
import { code, facts, fence, heading, link, list, para, table } from '../twins/markdown.ts';

export function documentsTwin(): string[] {
  const contact = evidence().bundle.catalog.organisation.contact;
  return [
    para(
      'Our policies are markdown files in the same repository as the platform. Each is published as committed, with its version, date and the SHA-256 of the file, so you can tell whether the copy you hold is the current one.',
    ),
    table([
      ['Document', 'Version', 'Date', 'SHA-256 of the file'],
      ...policies().map((d) => [`${link(d.title, `/documents/${d.name}/`)} ${link('markdown source', `/policies/${d.name}.md`)}`, d.version, d.date, code(d.sha256)]),
    ]),
    para(`A policy says what we intend; whether each promise holds today is on the ${link('control pages', '/controls/')}, from the latest signed evidence.`),
    heading(2, 'Documents under NDA'),
    para(
      'Penetration test reports, an audit report (once one exists) and architecture details are usually shared only under a non-disclosure agreement. This site cannot do that: it is static files with no server, no accounts and no script, which is what lets anyone copy and verify it. We do not put such documents here behind a link that only looks private.',
    ),
    para(
      `What we would build for them, separately from this site: a small service where a reviewer signs in with their work email, accepts the NDA, and is granted access to named documents for a limited time; every download watermarked with the reviewer and recorded in the audit log; access revocable by us at any time. Until then, ask ${link(contact, `mailto:${contact}`)} and we share them by hand under a signed NDA.`,
    ),
  ];
}

/** A policy's twin: its facts, then its text (`content`: the markdownTwin its compiled file carries). */
export function policyTwin(d: PolicyDocument, content: string): string[] {
  return [
    facts([
      ['Version', d.version],
      ['Date', d.date],
      ...(d.owner ? [['Owner', d.owner] as [string, string]] : []),
      ['Source', link(code(d.file), `/policies/${d.name}.md`)],
      ['SHA-256', code(d.sha256)],
    ]),
    fillContent(content),
    para(link('All documents', '/documents/')),
  ];
}

const kib = (n: number) => (n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`);

export function downloadsTwin(): string[] {
  const ev = evidence();
  const has = (n: string) => ev.downloads.some((d) => d.name === n);
  const oscal = ev.downloads.some((d) => d.name.startsWith('oscal/'));
  const pin = ev.publicKeySha256;
  return [
    para(
      'Everything on this site was generated from these files. Check them yourself: the bundle is signed, each evidence part inside it carries its own SHA-256, and nothing below needs our servers.',
    ),
    facts([
      ['Evidence signed', isoMinute(ev.verifiedAt)],
      ['bundle.json SHA-256', code(ev.bundleSha256)],
      ['Signature names this bundle', ev.signatureSubjectMatches ? 'yes: the signed statement carries the same SHA-256' : 'NO: the signed statement names a different digest'],
      ['Catalog', `version ${ev.bundle.catalog.version}, ${code(`sha256:${ev.bundle.catalog.sha256}`)}`],
      ['Signing key', `${ev.bundle.developmentSigningKey ? 'development key (demonstration only)' : 'production key'}${ev.keyid ? `, key id ${code(ev.keyid)}` : ''}`],
      ...(pin ? [['Public key SHA-256', `${code(pin)} (of the DER public key in bundle.pub.pem)`] as [string, string]] : []),
    ]),
    table([['File', 'What it is', 'Size', 'SHA-256'], ...ev.downloads.map((d) => [link(d.name, `/downloads/${d.name}`), d.description, kib(d.bytes), code(d.sha256)])]),
    heading(2, 'Verify with the trust CLI'),
    para(`Download ${code('bundle.json')}, ${code('bundle.sig.json')} and ${code('bundle.pub.pem')} into one directory, then run, from a checkout of the project:`),
    fence(`npx trust verify bundle.json --fingerprint ${pin ?? 'SHA-256-of-the-signing-key'}`),
    para(
      `It checks the Ed25519 signature of the envelope, that the signed statement names the SHA-256 of ${code('bundle.json')}, and that the key is the one whose fingerprint you pinned: the SHA-256 above, also published in ${link('security.txt', '/.well-known/security.txt')}. A key that only lies beside a bundle proves nothing about who signed it, so without a pin the command does not report success. ${code('npx trust verify --help')} lists everything it checks. Exit code 0 means the bundle is intact and signed by the pinned key.`,
    ),
    heading(2, 'Verify with OpenSSL and jq'),
    para('The envelope follows DSSE: the signature covers a short prefix plus the payload, which is an in-toto statement. With OpenSSL 3 and jq:'),
    list(
      [
        {
          text: 'Check the file digest. The two lines printed must match each other and the SHA-256 in the table above.',
          blocks: [{ fence: "sha256sum bundle.json\njq -r .payload bundle.sig.json | base64 -d | jq -r '.subject[0].digest.sha256'" }],
        },
        {
          text: 'Rebuild the bytes that were signed (DSSE pre-authentication encoding).',
          blocks: [
            {
              fence:
                'jq -r .payload bundle.sig.json | base64 -d > statement.json\nTYPE=$(jq -r .payloadType bundle.sig.json)\nprintf \'DSSEv1 %d %s %d \' ${#TYPE} "$TYPE" $(wc -c < statement.json) > pae.bin\ncat statement.json >> pae.bin',
            },
          ],
        },
        {
          text: `Verify the signature with the public key. OpenSSL prints ${code('Signature Verified Successfully')}.`,
          blocks: [{ fence: "jq -r '.signatures[0].sig' bundle.sig.json | base64 -d > sig.bin\nopenssl pkeyutl -verify -pubin -inkey bundle.pub.pem -rawin -in pae.bin -sigfile sig.bin" }],
        },
        { text: 'Read the signing time and catalog version the statement carries.', blocks: [{ fence: "jq '.predicate' statement.json" }] },
      ],
      true,
    ),
    para(
      "Compare the public key's fingerprint with the one we publish elsewhere (for example in a signed release note) before trusting it: a key downloaded next to the bundle only proves integrity, not origin. The fingerprint is the SHA-256 of the key in DER form; the envelope's key id is its first 16 hex digits.",
    ),
    fence("openssl pkey -pubin -in bundle.pub.pem -outform DER | sha256sum\njq -r '.signatures[0].keyid' bundle.sig.json"),
    ...(has('report.pdf') || oscal
      ? [
          heading(2, 'Report and OSCAL'),
          para(
            `${has('report.pdf') ? 'The PDF report is the same evaluation laid out for auditors. ' : ''}${oscal ? "The OSCAL files carry the same controls and results in NIST's Open Security Controls Assessment Language, for GRC tools." : ''} Their SHA-256 values above let you confirm you hold the published copies.`,
          ),
        ]
      : []),
  ];
}
