/**
 * The tools collector: agent tool decisions as the audit chain recorded them, against the
 * skills each agent had enabled at that moment (replayed from the chain's own
 * tool.skill_enabled / tool.skill_disabled events, so destroyed agents count too) and the
 * approvals that existed; and the tool_approvals rows against their audit events. Facts
 * are grouped (one row per distinct combination, with a count and the first witness), so
 * their size does not grow with the number of decisions. Judgement is in the checks
 * (tool-decisions.ts).
 */
import path from 'node:path';
import { z } from 'zod';
import { defineCollector } from './types.ts';

export const ToolsFactsSchema = z.object({
  config: z.object({ file: z.string(), skills: z.record(z.string(), z.array(z.string())), requiresApproval: z.array(z.string()) }),
  /** tool.allowed events grouped by what they say and what the chain held at their seq. */
  allowed: z.array(
    z.object({
      tool: z.string(),
      /** The skill the event names (non-gated tools), or null. */
      skill: z.string().nullable(),
      /** Skills enabled for the agent just before the event, comma-separated, sorted. */
      enabledSkills: z.string(),
      /** none: no approval named; never_approved: no tool.approved event for it; approved_after / approved_before: relative to this decision. */
      approval: z.enum(['none', 'never_approved', 'approved_after', 'approved_before']),
      /** tool.allowed events naming the same approval (0 when none is named). */
      approvalUses: z.number().int(),
      count: z.number().int(),
      firstSeq: z.number().int(),
      firstAgent: z.string(),
    }),
  ),
  /** tool_approvals rows grouped by state and by which audit events exist for them. */
  approvals: z.array(
    z.object({
      status: z.string(),
      used: z.boolean(),
      requestedEvent: z.boolean(),
      decidedEvent: z.boolean(),
      allowedEvent: z.boolean(),
      count: z.number().int(),
      first: z.string(),
    }),
  ),
});
export type ToolsFacts = z.output<typeof ToolsFactsSchema>;

export default defineCollector({
  id: 'tools',
  version: '1.0.0',
  description: 'Tool decisions in the audit chain against the skills enabled and the approvals given at the time, and approval rows against their audit events.',
  needsDatabase: true,
  facts: ToolsFactsSchema,
  async collect(ctx) {
    const { loadToolsConfig } = await import('../platform/tools/tool-controls.ts');
    const file = 'platform/config/tools.yaml';
    const config = loadToolsConfig(path.join(ctx.root, file));
    const allowed = await ctx.sql<{
      tool: string;
      skill: string | null;
      enabled_skills: string;
      approval: ToolsFacts['allowed'][number]['approval'];
      uses: string;
      n: string;
      first_seq: string;
      first_agent: string;
    }>(`
      WITH ev AS MATERIALIZED (
        SELECT seq, subject_id AS agent, action, details FROM audit_events
         WHERE action IN ('tool.allowed', 'tool.skill_enabled', 'tool.skill_disabled', 'tool.approved')
      ), skills AS MATERIALIZED (
        SELECT agent, details->>'skill' AS skill, action = 'tool.skill_enabled' AS enabled, seq AS from_seq,
               coalesce(lead(seq) OVER (PARTITION BY agent, details->>'skill' ORDER BY seq), 9223372036854775807) AS to_seq
          FROM ev WHERE action IN ('tool.skill_enabled', 'tool.skill_disabled')
      ), approved AS (
        SELECT details->>'approval_id' AS approval, min(seq) AS seq FROM ev WHERE action = 'tool.approved' GROUP BY 1
      ), d AS (
        SELECT e.seq, e.agent, e.details->>'tool' AS tool, e.details->>'skill' AS skill, e.details->>'approval_id' AS approval,
               (SELECT coalesce(string_agg(s.skill, ',' ORDER BY s.skill), '') FROM skills s
                 WHERE s.agent = e.agent AND s.enabled AND e.seq > s.from_seq AND e.seq < s.to_seq) AS enabled_skills,
               a.seq AS approved_seq,
               count(*) OVER (PARTITION BY e.details->>'approval_id') AS uses
          FROM ev e LEFT JOIN approved a ON a.approval = e.details->>'approval_id'
         WHERE e.action = 'tool.allowed'
      )
      SELECT * FROM (
      SELECT tool, skill, enabled_skills,
             CASE WHEN approval IS NULL THEN 'none' WHEN approved_seq IS NULL THEN 'never_approved'
                  WHEN approved_seq > seq THEN 'approved_after' ELSE 'approved_before' END AS approval,
             CASE WHEN approval IS NULL THEN 0 ELSE uses END AS uses,
             count(*) AS n, min(seq) AS first_seq, (array_agg(agent ORDER BY seq))[1] AS first_agent
        FROM d GROUP BY 1, 2, 3, 4, 5
      ) x ORDER BY x.tool COLLATE "C", x.skill COLLATE "C" NULLS FIRST, x.enabled_skills COLLATE "C", x.approval COLLATE "C", x.uses`);
    const approvals = await ctx.sql<{ status: string; used: boolean; requested: boolean; decided: boolean; allowed: boolean; n: string; first: string }>(`
      WITH e AS (
        SELECT details->>'approval_id' AS approval,
               bool_or(action = 'tool.approval_requested') AS requested,
               bool_or(action IN ('tool.approved', 'tool.approval_denied')) AS decided,
               bool_or(action = 'tool.allowed') AS allowed
          FROM audit_events
         WHERE action IN ('tool.approval_requested', 'tool.approved', 'tool.approval_denied', 'tool.allowed') AND details ? 'approval_id'
         GROUP BY 1
      )
      SELECT * FROM (
      SELECT t.status, t.used_at IS NOT NULL AS used, coalesce(e.requested, false) AS requested, coalesce(e.decided, false) AS decided,
             coalesce(e.allowed, false) AS allowed, count(*) AS n, (array_agg(t.id::text ORDER BY t.id))[1] AS first
        FROM tool_approvals t LEFT JOIN e ON e.approval = t.id::text
       GROUP BY 1, 2, 3, 4, 5
      ) x ORDER BY x.status COLLATE "C", x.used, x.requested, x.decided, x.allowed`);
    return {
      config: {
        file,
        skills: Object.fromEntries(
          Object.entries(config.skills)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([k, v]) => [k, [...v.tools].sort()]),
        ),
        requiresApproval: [...config.requires_approval].sort(),
      },
      allowed: allowed.map((r) => ({
        tool: r.tool,
        skill: r.skill,
        enabledSkills: r.enabled_skills,
        approval: r.approval,
        approvalUses: Number(r.uses),
        count: Number(r.n),
        firstSeq: Number(r.first_seq),
        firstAgent: r.first_agent,
      })),
      approvals: approvals.map((r) => ({ status: r.status, used: r.used, requestedEvent: r.requested, decidedEvent: r.decided, allowedEvent: r.allowed, count: Number(r.n), first: r.first })),
    };
  },
});
