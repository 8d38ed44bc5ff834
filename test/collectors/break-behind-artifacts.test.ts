/**
 * No self-attestation, and data proofs for tools and privacy: each promise is broken
 * behind the platform's back, without touching the guard's definition (a superuser
 * session on a copy of the demo database, or an edit in a copy of the source tree:
 * package.json, the VM cloud-init template, a site page), and the right control fails
 * naming the right origin. The untouched demo stays green.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { evaluateControlOn, expectFailsAt } from '../helpers/evaluate-control.ts';
import { createTestDatabase, withClient } from '../helpers/db.ts';
import { editedCopy, type FileEdit } from '../helpers/edited-copy.ts';
import { replicaSql } from '../helpers/replica-sql.ts';
import { loadCatalog } from '../../controls/loader.ts';
import { runCollectors } from '../../collectors/run.ts';
import { runCheck } from '../../controls/checks/types.ts';
import type { Catalog } from '../../controls/types.ts';
import disclosurePublished from '../../controls/checks/disclosure-published.ts';
import { renderSecurityTxt } from '../../site/lib/security-txt.ts';
import { demoDatabase } from '../helpers/demo-database.ts';

const root = process.cwd();
let demo: Awaited<ReturnType<typeof createTestDatabase>>;
let catalog: Catalog;

beforeAll(async () => {
  demo = await demoDatabase(1, { asTemplate: true });
  catalog = await loadCatalog(root);
}, 600_000);
afterAll(async () => {
  await demo?.drop();
});

interface Break {
  control: string;
  how: string;
  /** Superuser SQL (already wrapped, or a plain statement run as superuser with the guards on). */
  sql?: string;
  /** Edits in a copy of the source tree: path relative to the repository, text transform. */
  edits?: FileEdit[];
  catalog?: (c: Catalog) => Catalog;
  /** The failing finding's origin resource (exact, or a prefix ending in `=`). */
  origin: string;
}

// A tool decision inserted through the audit chain's own insert path (the chain trigger
// computes seq and hash, so the chain stays intact): only the data says it is wrong.
const toolAllowed = (where: string, tool: string, details: string) => `
  INSERT INTO audit_events (occurred_at, account_id, actor, action, subject_type, subject_id, details)
  SELECT now(), a.account_id, 'agent:' || a.id, 'tool.allowed', 'agent', a.id::text, jsonb_build_object('tool', '${tool}') || '${details}'::jsonb
    FROM agents a WHERE ${where} ORDER BY a.id LIMIT 1`;
const enabled = (skill: string) => `EXISTS (SELECT 1 FROM agent_skills s WHERE s.agent_id = a.id AND s.skill = '${skill}' AND s.enabled)`;
const setAck =
  (days: number) =>
  (c: Catalog): Catalog => ({ ...c, organisation: { ...c.organisation, disclosure: { ...c.organisation.disclosure, acknowledgementBusinessDays: days } } });

const BREAKS: Break[] = [
  {
    control: 'subprocessors_published',
    how: '@sentry/node added to package.json dependencies',
    edits: [
      {
        file: 'package.json',
        edit: (t) => {
          const p = JSON.parse(t);
          p.dependencies = { ...p.dependencies, '@sentry/node': '^8.0.0' };
          return JSON.stringify(p, null, 2) + '\n';
        },
      },
    ],
    origin: 'package:@sentry/node',
  },
  {
    control: 'subprocessors_published',
    how: 'a provider driver for a vendor that is not listed',
    edits: [{ file: 'platform/provider/aws.ts', edit: () => "export class AwsProvider {\n  readonly name = 'aws';\n}\n" }],
    origin: 'file:platform/provider/aws.ts',
  },
  {
    control: 'vm_ssh_key_only',
    how: 'ssh_pwauth: true in the cloud-init template',
    edits: [{ file: 'platform/vms/cloud-init.yaml', edit: (t) => t.replace('ssh_pwauth: false', 'ssh_pwauth: true') }],
    origin: 'file:platform/vms/cloud-init.yaml',
  },
  {
    control: 'vm_ssh_key_only',
    how: 'PasswordAuthentication yes in a recorded boot document',
    sql: replicaSql(
      `UPDATE provider_operations SET request = jsonb_set(request, '{user_data}', to_jsonb(replace(request->>'user_data', 'PasswordAuthentication no', 'PasswordAuthentication yes')))
      WHERE id = (SELECT min(id) FROM provider_operations WHERE operation = 'create_server' AND request ? 'user_data')`,
      ['provider_operations'],
    ),
    origin: 'row:public.provider_operations.id=',
  },
  {
    control: 'vm_firewall_default_deny',
    how: 'a recorded boot document allows inbound by default',
    sql: replicaSql(
      `UPDATE provider_operations SET request = jsonb_set(request, '{user_data}', to_jsonb(replace(request->>'user_data', E'- deny\\n    - incoming', E'- allow\\n    - incoming')))
      WHERE id = (SELECT min(id) FROM provider_operations WHERE operation = 'create_server' AND request ? 'user_data')`,
      ['provider_operations'],
    ),
    origin: 'row:public.provider_operations.id=',
  },
  {
    control: 'vm_firewall_default_deny',
    how: 'the template opens port 22 to every VM',
    edits: [{ file: 'platform/vms/cloud-init.yaml', edit: (t) => t.replace('  - [ufw, --force, enable]', '  - [ufw, allow, "22/tcp"]\n  - [ufw, --force, enable]') }],
    origin: 'file:platform/vms/cloud-init.yaml',
  },
  {
    control: 'vm_brute_force_blocked',
    how: 'the sshd jail disabled in the template',
    edits: [{ file: 'platform/vms/cloud-init.yaml', edit: (t) => t.replace('enabled = true', 'enabled = false') }],
    origin: 'file:platform/vms/cloud-init.yaml',
  },
  {
    control: 'vulnerability_disclosure_published',
    how: 'the policy acknowledges in 3 business days, the page still promises one',
    catalog: setAck(3),
    origin: 'file:controls/catalog/vulnerability_disclosure_published.yaml',
  },
  {
    control: 'vulnerability_disclosure_published',
    how: 'the disclosure page hardcodes 2 business days',
    edits: [{ file: 'site/pages/vulnerability-disclosure.mdx', edit: (t) => t.replace(/within \{d\.acknowledgementBusinessDays\} business day[^|]*\|/, 'within 2 business days |') }],
    origin: 'file:site/pages/vulnerability-disclosure.mdx',
  },
  {
    control: 'agent_tool_allow_list_enforced',
    how: 'a decision allowed for a skill the agent never enabled',
    sql: toolAllowed(`NOT ${enabled('files')}`, 'files.read', '{"skill": "files"}'),
    origin: 'row:public.audit_events.seq=',
  },
  {
    control: 'agent_tool_approval_gated',
    how: 'a gated tool allowed without an approval',
    sql: toolAllowed(enabled('email'), 'email.send', '{}'),
    origin: 'row:public.audit_events.seq=',
  },
  {
    control: 'agent_tool_decisions_audited',
    how: 'an approval approved and used with no audit event',
    sql: replicaSql(
      `INSERT INTO tool_approvals (agent_id, account_id, tool, status, decided_at, decided_by, used_at)
      SELECT id, account_id, 'shell.exec', 'approved', now(), 'user:mallory', now() FROM agents ORDER BY id LIMIT 1`,
      ['tool_approvals'],
    ),
    origin: 'row:public.tool_approvals.id=',
  },
  {
    control: 'account_deletion_within_30_days',
    how: "a purged account's row still present 40 days after its deletion request",
    sql: replicaSql(
      `UPDATE deletion_requests SET requested_at = requested_at - interval '40 days', due_at = due_at - interval '40 days', completed_at = completed_at - interval '39 days'
        WHERE id = (SELECT id FROM deletion_requests WHERE completed_at IS NOT NULL ORDER BY id LIMIT 1);
      INSERT INTO oauth_states (account_id, provider, state_hash, created_at, expires_at)
        SELECT account_id, 'github', repeat('c', 64), now(), now() + interval '5 minutes' FROM deletion_requests WHERE completed_at IS NOT NULL ORDER BY id LIMIT 1`,
      ['deletion_requests', 'oauth_states'],
    ),
    origin: 'table:public.oauth_states',
  },
  {
    control: 'operator_access_log_retained_90_days',
    how: 'an access log row deleted before it was 90 days old',
    sql: replicaSql(`DELETE FROM admin_access_log WHERE id = (SELECT min(id) FROM admin_access_log)`, ['admin_access_log']),
    origin: 'row:public.admin_access_log.id=',
  },
  {
    control: 'retention_jobs_enforced',
    how: 'an access log row deleted before its retention window',
    sql: replicaSql(`DELETE FROM admin_access_log WHERE id = (SELECT min(id) FROM admin_access_log)`, ['admin_access_log']),
    origin: 'row:public.admin_access_log.id=',
  },
];

/** A copy of the parts of the tree the collectors read, with the edits applied. */
function treeCopy(edits: FileEdit[]): string {
  return editedCopy(root, ['platform', 'controls', 'site/pages', 'site/lib', 'package.json', 'package-lock.json'], edits, 'trust-artifacts-');
}

const CONTROLS = [...new Set(BREAKS.map((b) => b.control))].sort();

describe('claims read the real artifact and the rows', () => {
  it('the untouched demo is green for every control broken below', async () => {
    const db = await createTestDatabase(demo.name);
    try {
      for (const control of CONTROLS) {
        expect(catalog.controls.find((c) => c.id === control)?.status, control).toBe('live');
        const results = await evaluateControlOn(db, control, { root, catalog });
        const bad = results.flatMap((r) => r.findings.filter((f) => f.status !== 'pass').map((f) => `${r.check}: ${f.reason}`));
        expect(bad, control).toEqual([]);
      }
    } finally {
      await db.drop();
    }
  }, 120_000);

  it('the demo recorded one boot document per provisioned VM, rendered from the template', async () => {
    const db = await createTestDatabase(demo.name);
    try {
      const { parts } = await runCollectors(db, { root, now: new Date(), catalog, auditVerification: 'incremental', only: ['vm_boot'] });
      const f = parts.vm_boot.facts as import('../../collectors/vm-boot.ts').VmBootFacts;
      expect(f.documents.length).toBeGreaterThan(0);
      for (const d of f.documents) {
        const settings = d.parsed === null ? null : f.parsed[d.parsed];
        expect(settings?.sshPwauth).toBe('false');
        expect(settings?.commands.filter((c) => c.startsWith('ufw allow ')).sort()).toEqual([...d.declaredAllows].sort());
      }
    } finally {
      await db.drop();
    }
  }, 60_000);

  for (const b of BREAKS) {
    it(`${b.control}: ${b.how}`, async () => {
      const db = await createTestDatabase(demo.name);
      let dir: string | undefined;
      try {
        if (b.sql) {
          await withClient(db.adminUrl, (c) => c.query(b.sql!));
        }
        if (b.edits) dir = treeCopy(b.edits);
        const results = await evaluateControlOn(db, b.control, { root: dir ?? root, catalog: b.catalog ? b.catalog(catalog) : catalog });
        expectFailsAt(b.control, results, b.origin);
      } finally {
        if (dir) rmSync(dir, { recursive: true, force: true });
        await db.drop();
      }
    }, 60_000);
  }

  it('a security.txt generated already expired fails, and one valid for more than a year fails', () => {
    const facts = (evidenceTime: Date, runTime: Date) => {
      const text = renderSecurityTxt({ organisation: catalog.organisation, catalogVersion: catalog.version, evidenceTime });
      const fields = text.split('\n').flatMap((l, i) => {
        const m = /^([A-Za-z-]+):\s*(.*)$/.exec(l);
        return m ? [{ name: m[1], value: m[2], line: i + 1 }] : [];
      });
      const d = catalog.organisation.disclosure;
      return {
        disclosure: {
          securityTxt: { renderer: 'site/lib/security-txt.ts', renderedAt: runTime.toISOString(), fields },
          policy: { file: 'controls/catalog.yaml', contact: d.contact, acknowledgementBusinessDays: d.acknowledgementBusinessDays, policyUrl: d.policyUrl },
          promises: [{ file: 'site/pages/vulnerability-disclosure.mdx', line: 1, text: 'x', source: 'config' as const, days: d.acknowledgementBusinessDays }],
        },
      };
    };
    const now = new Date('2026-06-01T00:00:00Z');
    const ok = runCheck(disclosurePublished, facts(now, now), {});
    expect(ok.status).toBe('pass');
    const stale = runCheck(disclosurePublished, facts(new Date(now.getTime() - 200 * 86_400_000), now), {});
    expect(stale.status).toBe('fail');
    expect(stale.findings.find((f) => f.status === 'fail')?.origin.resource).toBe('security.txt:Expires');
    const far = runCheck(disclosurePublished, facts(new Date(now.getTime() + 200 * 86_400_000), now), {});
    expect(far.findings.find((f) => f.status === 'fail')?.reason).toMatch(/more than 365/);
  });
});
