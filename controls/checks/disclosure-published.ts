import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import type { DisclosureFacts } from '../../collectors/disclosure.ts';
import { factsOf, fail, pass } from './helpers.ts';

const DAY = 86_400_000;

/**
 * The disclosure policy as published: the security.txt the site's renderer produces is
 * valid under RFC 9116 at the run's time (Contact, an Expires in the future and at most a
 * year out, the Policy it points to), and every acknowledgement time the site promises
 * equals the policy's.
 */
export default defineCheck({
  id: 'disclosure_published',
  kind: 'structure',
  description:
    "The rendered security.txt has a Contact, a Policy and an Expires after the run time and at most a year out (RFC 9116), and each acknowledgement time the site renders equals the disclosure policy's.",
  collectors: ['disclosure'],
  params: z.object({ /** RFC 9116 recommends less than a year. */ maxExpiresDays: z.number().int().positive().default(365) }).strict(),
  evaluate(facts, { maxExpiresDays }) {
    const d = factsOf<DisclosureFacts>(facts, 'disclosure');
    const out: Finding[] = [];
    const s = d.securityTxt;
    const field = (name: string) => s.fields.filter((f) => f.name.toLowerCase() === name.toLowerCase());
    const origin = (name: string) => ({ resource: `security.txt:${name}`, file: s.renderer });
    const contact = field('Contact');
    out.push(
      contact.length && contact.every((c) => /^(mailto:[^@\s]+@[^@\s]+|https:\/\/\S+|tel:\S+)$/.test(c.value))
        ? pass(`The rendered security.txt names Contact ${contact.map((c) => c.value).join(', ')}.`, origin('Contact'))
        : fail(
            contact.length
              ? `The rendered security.txt Contact \`${contact[0].value}\` is not a mailto:, https: or tel: URI.`
              : 'The rendered security.txt has no Contact field (RFC 9116 requires one).',
            origin('Contact'),
          ),
    );
    const expires = field('Expires');
    const now = Date.parse(s.renderedAt);
    if (expires.length !== 1) out.push(fail(`The rendered security.txt has ${expires.length} Expires fields; RFC 9116 requires exactly one.`, origin('Expires')));
    else {
      const t = Date.parse(expires[0].value);
      const days = (t - now) / DAY;
      out.push(
        !Number.isFinite(t)
          ? fail(`The rendered security.txt Expires \`${expires[0].value}\` is not a date.`, origin('Expires'))
          : t <= now
            ? fail(`The rendered security.txt expired at ${expires[0].value}, before the run time ${s.renderedAt}: it is generated already expired.`, origin('Expires'), `expires=${expires[0].value}`)
            : days > maxExpiresDays
              ? fail(`The rendered security.txt expires ${Math.round(days)} days after the run (${expires[0].value}), more than ${maxExpiresDays}.`, origin('Expires'), `expires=${expires[0].value}`)
              : pass(`The rendered security.txt expires ${expires[0].value}, ${Math.round(days)} days after the run.`, origin('Expires'), `expires=${expires[0].value}`),
      );
    }
    const policy = field('Policy');
    out.push(
      policy.length && policy.some((p) => p.value === d.policy.policyUrl)
        ? pass(`The rendered security.txt points to the policy at ${d.policy.policyUrl}.`, origin('Policy'))
        : fail(`The rendered security.txt does not point to the disclosure policy ${d.policy.policyUrl}.`, origin('Policy')),
    );
    const ack = d.policy.acknowledgementBusinessDays;
    const pages = d.promises.filter((p) => p.file.startsWith('site/'));
    if (!pages.some((p) => p.file.endsWith('vulnerability-disclosure.mdx'))) {
      out.push(
        fail('The vulnerability disclosure page states no acknowledgement time.', { resource: 'file:site/pages/vulnerability-disclosure.mdx', file: 'site/pages/vulnerability-disclosure.mdx' }),
      );
    }
    for (const p of d.promises) {
      const o = { resource: `file:${p.file}`, file: p.file, line: p.line };
      out.push(
        p.days === ack
          ? pass(`\`${p.file}\` promises acknowledgement within ${p.days} business day(s)${p.source === 'config' ? ', rendered from the policy' : ''}, as the policy says.`, o)
          : fail(
              p.days === null
                ? `\`${p.file}\`:${p.line} renders an acknowledgement time from \`${p.text}\` that is not bound to the disclosure policy, so it may differ from its ${ack} business day(s).`
                : `\`${p.file}\`:${p.line} promises acknowledgement within ${p.days} business day(s), but the disclosure policy (${d.policy.file}) says ${ack}.`,
              o,
              p.text,
            ),
      );
    }
    return out;
  },
});
