/** JUnit XML: one test case per control, so any CI shows claims as tests. */
import type { ControlEvaluation } from '../types.ts';
import type { Control } from '../../controls/types.ts';
import { findingLine } from './gate.ts';

function esc(s: string): string {
  // XML 1.0 forbids most control characters even when escaped.
  // eslint-disable-next-line no-control-regex
  return s
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

export function renderJunit(evaluations: ControlEvaluation[], controls: Control[]): string {
  const byId = new Map(controls.map((c) => [c.id, c]));
  const failures = evaluations.filter((e) => e.verdict === 'regression' || e.verdict === 'unsupported').length;
  const skipped = evaluations.filter((e) => e.claimed === 'roadmap').length;
  const cases = evaluations.map((e) => {
    const c = byId.get(e.control);
    const name = `${e.control}`;
    const cls = `controls.${(c?.category ?? 'uncategorised').replace(/\s+/g, '_')}`;
    const head = `    <testcase classname="${esc(cls)}" name="${esc(name)}" time="0">`;
    const checks = e.checks.map((r) => `${r.check}: ${r.status}`).join('\n');
    const out = `      <system-out>${esc(`claimed ${e.claimed}, verdict ${e.verdict}\n${checks}`)}</system-out>`;
    if (e.verdict === 'regression' || e.verdict === 'unsupported') {
      const text = e.findings.map(findingLine).join('\n');
      return `${head}\n      <failure type="${e.verdict}" message="${esc(`${e.verdict}: ${e.findings[0] ? findingLine(e.findings[0]) : e.control}`)}">${esc(text)}</failure>\n${out}\n    </testcase>`;
    }
    if (e.claimed === 'roadmap') return `${head}\n      <skipped message="roadmap: no evidence required"/>\n${out}\n    </testcase>`;
    return `${head}\n${out}\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    // The Jenkins xUnit schema (junit-10.xsd) allows `skipped` on a testsuite, not on testsuites.
    `<testsuites name="trust check" tests="${evaluations.length}" failures="${failures}" errors="0">`,
    `  <testsuite name="controls" tests="${evaluations.length}" failures="${failures}" errors="0" skipped="${skipped}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
