import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import { factsOf, fail, pass } from './helpers.ts';
import type { EnforcementFacts, ProbeFact } from '../../collectors/enforcement.ts';
import { ROLES } from '../../platform/db/roles.ts';

/** The platform's runtime role: a probe run as anyone else proves nothing about it. */
const RUNTIME_ROLE: string = ROLES.app;

/**
 * SQLSTATEs that say the attempt never reached a verdict (a lock or statement timeout, a
 * cancelled or broken session, a probe that no longer fits the schema): neither a refusal
 * nor an allowance. Codes, or two-character classes.
 */
const INCONCLUSIVE = ['08', '25', '40', '53', '54', '55', '57', '58', 'XX', '0A', '42601', '42703', '42704', '42P01', '42883'];

const matches = (code: string, list: string[]) => list.some((x) => (x.length === 2 ? code.startsWith(x) : code === x));

/** `*` in a probe pattern stands for any run of characters. */
function globRegExp(pattern: string): RegExp {
  return new RegExp(
    '^' +
      pattern
        .split('*')
        .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*') +
      '$',
  );
}

function describe(p: ProbeFact): string {
  return `${p.statement}${p.target ? ` on ${p.target}` : ''}`;
}

function judge(p: ProbeFact, expected: string[] | undefined): Finding {
  const origin = { resource: `table:${p.table}` };
  const said = p.sqlstate ? `${p.sqlstate} ${p.message ?? ''}`.trim() : '';
  switch (p.outcome) {
    case 'not_run':
      return { status: 'error', reason: `Probe ${p.name} did not run (${p.note ?? 'nothing to try it on'}), so the refusal is unproven.`, origin };
    case 'empty':
      // Nothing in the table can be read across accounts now; the structure checks cover its policies.
      return pass(`Probe ${p.name}: \`${p.table}\` holds no account's row, so none can be read across accounts.`, origin, 'table empty');
    case 'no_privilege':
      return pass(`Probe ${p.name}: the runtime role cannot read \`${p.table}\` at all.`, origin, p.note ?? 'no SELECT privilege');
    case 'completed':
      if (p.act === 'read') {
        return p.rows === 0
          ? pass(`Acting for another account, the runtime role sees none of ${p.target ?? 'the other account'}'s rows in \`${p.table}\` (${p.name}).`, origin, 'rows seen: 0')
          : fail(`Probe ${p.name}: acting for another account, the runtime role sees ${p.target ?? 'the other account'}'s rows in \`${p.table}\`.`, origin, `rows seen: ${p.rows}`);
      }
      return fail(`Probe ${p.name} was allowed: as the runtime role, \`${describe(p)}\` succeeded (${p.rows ?? 0} row(s); rolled back).`, origin, `allowed: ${p.rows ?? 0} row(s)`);
    case 'raised': {
      const code = p.sqlstate ?? '';
      if (matches(code, INCONCLUSIVE)) {
        return { status: 'error', reason: `Probe ${p.name} could not be judged: the database answered ${said}, which is neither a refusal nor an allowance.`, origin, observed: said };
      }
      if (expected && !matches(code, expected)) {
        return fail(`Probe ${p.name} was stopped by ${code}, not by the guard this control names (expected ${expected.join(' or ')}): \`${describe(p)}\`.`, origin, `refused: ${said}`);
      }
      return pass(`The database refused probe ${p.name} as the runtime role: \`${describe(p)}\`.`, origin, `refused: ${said}`);
    }
  }
}

export default defineCheck({
  id: 'probe_refused',
  kind: 'enforcement',
  description:
    'As the runtime role, in a transaction that was rolled back, the database refused the named forbidden act (a write raised, optionally with the expected SQLSTATE; a read across accounts saw no row).',
  collectors: ['enforcement'],
  params: z
    .object({
      /** Probe name from the enforcement collector; `*` matches any run of characters. @example "audit_events.update" */
      probe: z.string().min(1),
      /** SQLSTATE codes or two-character classes that count as the guard's refusal. @example ["42501"] */
      sqlstate: z
        .array(z.string().regex(/^[0-9A-Z]{2}([0-9A-Z]{3})?$/))
        .min(1)
        .optional(),
    })
    .strict(),
  evaluate(facts, { probe, sqlstate }) {
    const f = factsOf<EnforcementFacts>(facts, 'enforcement');
    const origin = { resource: `probe:${probe}` };
    if (!f.runtime.available) {
      return [{ status: 'error', reason: `Enforcement probes were skipped: ${f.runtime.reason ?? 'no runtime session'}.`, origin }];
    }
    if (f.runtime.role !== RUNTIME_ROLE) {
      return [
        {
          status: 'error',
          reason: `Enforcement probes ran as \`${f.runtime.role}\`, not as the runtime role \`${RUNTIME_ROLE}\`, so they prove nothing about it.`,
          origin,
          observed: `role: ${f.runtime.role}`,
        },
      ];
    }
    const re = globRegExp(probe);
    const mine = f.probes.filter((p) => re.test(p.name));
    if (!mine.length) return [{ status: 'error', reason: `The enforcement collector recorded no probe named \`${probe}\`.`, origin }];
    return mine.map((p) => judge(p, sqlstate));
  },
});
