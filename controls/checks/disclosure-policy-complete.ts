import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import type { ConfigFacts } from '../../collectors/config.ts';
import { factsOf, fail, pass } from './helpers.ts';

export default defineCheck({
  id: 'disclosure_policy_complete',
  kind: 'structure',
  catalogOnly: true,
  description: 'The vulnerability disclosure policy names a contact, an acknowledgement time, fix targets per severity (ordered by severity) and a coordinated disclosure window within limits.',
  collectors: ['config'],
  params: z
    .object({
      maxAcknowledgementBusinessDays: z.number().int().positive().default(5),
      maxCriticalFixDays: z.number().int().positive().default(30),
      maxDisclosureDays: z.number().int().positive().default(120),
    })
    .strict(),
  evaluate(facts, p) {
    const c = factsOf<ConfigFacts>(facts, 'config');
    const d = c.organisation.disclosure;
    const file = c.catalogFile;
    const at = (key: string) => ({ resource: `config:organisation.disclosure.${key}`, file });
    const out: Finding[] = [];
    out.push(
      /^[^@\s]+@[^@\s]+\.[a-z]+$/i.test(d.contact) || /^https:\/\//.test(d.contact)
        ? pass(`Vulnerability reports go to ${d.contact}.`, at('contact'))
        : fail(`Disclosure contact \`${d.contact}\` is neither an email address nor an https URL.`, at('contact')),
    );
    out.push(
      d.acknowledgementBusinessDays <= p.maxAcknowledgementBusinessDays
        ? pass(`Reports are acknowledged within ${d.acknowledgementBusinessDays} business day(s).`, at('acknowledgementBusinessDays'))
        : fail(`Acknowledgement takes ${d.acknowledgementBusinessDays} business days, more than ${p.maxAcknowledgementBusinessDays}.`, at('acknowledgementBusinessDays')),
    );
    const f = d.fixTargetDays;
    const ordered = f.critical <= f.high && f.high <= f.medium && f.medium <= f.low;
    out.push(
      ordered && f.critical <= p.maxCriticalFixDays
        ? pass(`Fix targets: critical ${f.critical}, high ${f.high}, medium ${f.medium}, low ${f.low} days.`, at('fixTargetDays'))
        : fail(
            `Fix targets (critical ${f.critical}, high ${f.high}, medium ${f.medium}, low ${f.low} days) are not ordered by severity or exceed ${p.maxCriticalFixDays} days for critical.`,
            at('fixTargetDays'),
          ),
    );
    out.push(
      d.coordinatedDisclosureDays <= p.maxDisclosureDays && d.coordinatedDisclosureDays >= f.critical
        ? pass(`Coordinated disclosure after ${d.coordinatedDisclosureDays} days.`, at('coordinatedDisclosureDays'))
        : fail(`Coordinated disclosure window of ${d.coordinatedDisclosureDays} days is outside ${f.critical}..${p.maxDisclosureDays} days.`, at('coordinatedDisclosureDays')),
    );
    out.push(
      /^(https:\/\/|\/)/.test(d.policyUrl)
        ? pass(`The policy is published at ${d.policyUrl}.`, at('policyUrl'))
        : fail(`Policy URL \`${d.policyUrl}\` is not an https URL or site path.`, at('policyUrl')),
    );
    return out;
  },
});
