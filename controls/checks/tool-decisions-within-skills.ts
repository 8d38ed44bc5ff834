import type { Finding } from './types.ts';
import { fail, pass } from './helpers.ts';
import { defineToolsCheck } from './tools-check.ts';

/**
 * The allow-list holds in the data: every tool.allowed decision in the audit chain was for
 * a tool that one of the agent's skills, enabled at that moment (replayed from the chain),
 * provides per platform/config/tools.yaml.
 */
export default defineToolsCheck({
  id: 'tool_decisions_within_skills',
  // Every tool.allowed event of the chain, so every agent's decisions.
  scope: ['event', 'agent'],
  description: 'Every tool.allowed audit event is for a tool provided (per tools.yaml) by a skill the agent had enabled at that point of the audit chain.',
  evaluate(t) {
    const out: Finding[] = [];
    let ok = 0;
    for (const g of t.allowed) {
      const enabled = g.enabledSkills ? g.enabledSkills.split(',') : [];
      const providing = Object.entries(t.config.skills)
        .filter(([, tools]) => tools.includes(g.tool))
        .map(([s]) => s);
      const covering = enabled.filter((s) => providing.includes(s));
      const origin = { resource: `row:public.audit_events.seq=${g.firstSeq}` };
      const witness = `${g.count} event(s), first seq ${g.firstSeq} (agent ${g.firstAgent})`;
      if (!covering.length) {
        out.push(
          fail(
            `Agent ${g.firstAgent} was allowed tool \`${g.tool}\` at audit seq ${g.firstSeq} although none of its enabled skills (${enabled.join(', ') || 'none'}) provides it${providing.length ? ` (provided by ${providing.join(', ')})` : ''}; ${g.count} such decision(s).`,
            origin,
            witness,
          ),
        );
      } else if (g.skill !== null && !covering.includes(g.skill)) {
        out.push(
          fail(
            `Agent ${g.firstAgent} was allowed tool \`${g.tool}\` at audit seq ${g.firstSeq} for skill \`${g.skill}\`, which was not enabled for it or does not provide the tool; ${g.count} such decision(s).`,
            origin,
            witness,
          ),
        );
      } else ok += g.count;
    }
    if (!out.length)
      out.push(
        pass(
          `${ok} tool.allowed decision(s) in the audit chain, each for a tool an enabled skill of the agent provided at the time.`,
          { resource: 'table:public.audit_events' },
          `groups=${t.allowed.length}`,
        ),
      );
    return out;
  },
});
