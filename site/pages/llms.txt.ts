/** llms.txt: what this site is and where the plain markdown twins of its pages live. */
import type { APIRoute } from 'astro';
import { evidence } from '../lib/evidence.ts';

export const GET: APIRoute = () => {
  const ev = evidence();
  const site = ev.bundle.catalog.organisation.website.replace(/\/$/, '');
  const s = ev.bundle.summary;
  // Twins at the paths llmstxt.org names (a directory URL + index.html.md); index.md stays too.
  const page = (p: string, title: string, note: string) => `- [${title}](${site}${p}index.html.md): ${note}`;
  const text = [
    `# ${ev.bundle.catalog.organisation.name} security and trust`,
    '',
    `> Security claims of ${ev.bundle.catalog.organisation.name}, a host for AI agents (one dedicated server and tunnel per agent) and plain VMs in regions us (hil) and eu (hel1). Every status comes from a signed evidence bundle: ${s.observed.live} controls live, ${s.observed.designed} designed, ${s.observed.roadmap} on the roadmap. Evidence last verified ${ev.verifiedAt.toISOString()}, catalog ${ev.bundle.catalog.version}, bundle sha256 ${ev.bundleSha256}.`,
    '',
    'Every page has a plain markdown twin: add `index.html.md` to its path (`index.md` works too).',
    '',
    `Machine-readable claims: [trust.json](${site}/trust.json) lists every control with its status, kind of proof, evidence digest, last verified and freshness; [trust.sig.json](${site}/trust.sig.json) is its DSSE signature by the key in [bundle.pub.pem](${site}/downloads/bundle.pub.pem).`,
    '',
    '## Pages',
    page('/', 'Overview', 'status by area, framework coverage, certification roadmap, disclosure contact, latest changes'),
    page('/residency/', 'Data residency', 'regions, locations, pinned for the life of a resource'),
    page('/logging/', 'Logging and storage', 'what is logged, what is stored at rest, what is not kept'),
    page('/documents/', 'Documents', 'policies with version, date and SHA-256'),
    page('/agents/', 'Isolation and logging for agents', 'boundary, network, what is logged'),
    page('/vms/', 'Security of plain VMs', 'firewall, isolation, access'),
    page('/data-handling/', 'Data handling', 'what leaves your server, what we access, retention'),
    page('/access-control/', 'Access control', 'passwords, API keys, sessions, row-level security'),
    page('/encryption/', 'Encryption', 'at rest, in transit, keys'),
    page('/controls/', 'Controls', 'every control with its observed status'),
    page('/readiness/', 'Readiness summary', 'live, designed, roadmap'),
    ...ev.bundle.catalog.frameworks.map((f) => page(`/frameworks/${f.id}/`, `${f.name} matrix`, 'criteria to controls, with status')),
    page('/gaps/', 'Honest gaps', 'what we do not have yet'),
    page('/changelog/', 'Changelog', 'catalog and mapping versions'),
    page('/subprocessors/', 'Subprocessors', 'who processes data for us'),
    page('/vulnerability-disclosure/', 'Vulnerability disclosure', 'how to report, timelines'),
    page('/downloads/', 'Downloads', 'signed bundle, report, OSCAL, how to verify'),
    '',
    '## Controls',
    ...ev.controls.map((c) => `- [${c.control.title}](${site}/controls/${c.control.id}/index.html.md): ${c.evaluation.observed}`),
    '',
    '## Evidence',
    `- [trust.json](${site}/trust.json): every claim, machine-readable and signed`,
    `- [bundle.json](${site}/downloads/bundle.json): the signed evidence bundle`,
    `- [verify.mjs](${site}/downloads/verify.mjs): checks this site against the signed bundle and the transparency log (Node 18+, no dependencies)`,
    `- [security.txt](${site}/.well-known/security.txt)`,
    '',
  ].join('\n');
  return new Response(text, { headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
};
