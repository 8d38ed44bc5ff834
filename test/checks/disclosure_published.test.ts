/** disclosure_published: security.txt is current and every published promise matches the disclosure policy. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/disclosure-published.ts';
import { checkOf, failing } from './story.ts';
import type { DisclosureFacts } from '../../collectors/disclosure.ts';

const { run, story } = checkOf(check);

const facts = (): DisclosureFacts => ({
  securityTxt: {
    renderer: 'site/lib/security-txt.ts',
    renderedAt: '2026-01-01T00:00:00.000Z',
    fields: [
      { name: 'Contact', value: 'mailto:security@example.com', line: 2 },
      { name: 'Expires', value: '2026-06-30T00:00:00Z', line: 3 },
      { name: 'Policy', value: 'https://example.com/vd/', line: 4 },
    ],
  },
  policy: { file: 'controls/catalog.yaml', contact: 'mailto:security@example.com', acknowledgementBusinessDays: 1, policyUrl: 'https://example.com/vd/' },
  promises: [{ file: 'site/pages/vulnerability-disclosure.mdx', line: 28, text: 'within {d.x} business day', source: 'config', days: 1 }],
});

describe('disclosure_published', () => {
  story('clean → security.txt already expired → renewed', () => {
    expect(run({ disclosure: facts() }).status).toBe('pass');
    const f = facts();
    f.securityTxt.fields[1].value = '2025-12-01T00:00:00Z';
    expect(failing(run({ disclosure: f }))[0].origin.resource).toBe('security.txt:Expires');
    f.securityTxt.fields[1].value = '2026-06-30T00:00:00Z';
    expect(run({ disclosure: f }).status).toBe('pass');
  });

  story('clean → a page hardcodes two business days → the promise read from the policy again', () => {
    expect(run({ disclosure: facts() }).status).toBe('pass');
    const g = facts();
    g.promises.push({ file: 'controls/catalog/vulnerability_disclosure_published.yaml', line: 7, text: 'within two business days', source: 'literal', days: 2 });
    expect(failing(run({ disclosure: g }))[0].origin).toEqual({
      resource: 'file:controls/catalog/vulnerability_disclosure_published.yaml',
      file: 'controls/catalog/vulnerability_disclosure_published.yaml',
      line: 7,
    });
    g.promises.pop();
    expect(run({ disclosure: g }).status).toBe('pass');
  });
});
