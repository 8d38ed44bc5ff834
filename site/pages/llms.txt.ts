/** llms.txt: what this site is and where the plain markdown twins of its pages live. */
import type { APIRoute } from 'astro';
import { evidence } from '../lib/evidence.ts';

export const GET: APIRoute = () => {
  const ev = evidence();
  const site = ev.bundle.catalog.organisation.website.replace(/\/$/, '');
  const s = ev.bundle.summary;
  const page = (p: string, title: string, note: string) => `- [${title}](${site}${p}index.md): ${note}`;
  const text = [
    `# ${ev.bundle.catalog.organisation.name} security and trust`,
    '',
    `> Security claims of ${ev.bundle.catalog.organisation.name}, a host for AI agents (one dedicated server and tunnel per agent) and plain VMs in regions us (hil) and eu (hel1). Every status comes from a signed evidence bundle: ${s.observed.live} controls live, ${s.observed.designed} designed, ${s.observed.roadmap} on the roadmap. Evidence last verified ${ev.verifiedAt.toISOString()}, catalog ${ev.bundle.catalog.version}, bundle sha256 ${ev.bundleSha256}.`,
    '',
    'Every page has a plain markdown twin: add `index.md` to its path.',
    '',
    '## Pages',
    page('/', 'Overview', 'residency, disclosure, logging, storage, encryption, isolation'),
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
    ...ev.controls.map((c) => `- [${c.control.title}](${site}/controls/${c.control.id}/index.md): ${c.evaluation.observed}`),
    '',
    '## Evidence',
    `- [bundle.json](${site}/downloads/bundle.json): the signed evidence bundle`,
    `- [security.txt](${site}/.well-known/security.txt)`,
    '',
  ].join('\n');
  return new Response(text, { headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
};
