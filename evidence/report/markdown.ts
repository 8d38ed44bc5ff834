/**
 * out/report.md: the trust report as an auditor reads it. Rendered from the bundle
 * (and the changelog) only; it states verdicts, never computes them.
 */
import { describeChange } from '../mapping/diff.ts';
import { assessedText, controlViews, exceptions, frameworkRows, latestChanges, shortHash, STATUS_ORDER, toolText, VERDICT_TEXT, type ReportInput } from './model.ts';
import { originText } from '../ci/gate.ts';

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

function table(head: string[], rows: string[][]): string[] {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)];
}

export function renderMarkdown(input: ReportInput): string {
  const { bundle, bundleSha256, generatedAt, changelog } = input;
  const org = bundle.catalog.organisation;
  const views = controlViews(bundle);
  const fws = frameworkRows(bundle);
  const s = bundle.summary;
  const out: string[] = [];
  const push = (...l: string[]) => out.push(...l);

  push(`# ${org.name} trust report`, '');
  push(`Catalog version **${bundle.catalog.version}** · generated ${generatedAt.toISOString()} · bundle SHA-256 \`${bundleSha256}\``, '');
  if (bundle.developmentSigningKey) push('> **Development signature.** This bundle was signed with a key generated for development. Do not rely on it for an audit.', '');

  push('## 1. Scope', '');
  push(`This report covers the security controls that ${org.name} (${org.website}) publishes for its hosting platform for AI agents and virtual machines, evaluated against the running platform.`, '');
  push(
    ...table(
      ['Item', 'Value'],
      [
        ['Organisation', `${org.name} (${org.website})`],
        ['Assessed', assessedText(bundle)],
        ['As of', generatedAt.toISOString()],
        ['Tool', toolText(input)],
        ...(input.signingKeySha256 ? [['Signing key SHA-256', `\`${input.signingKeySha256}\`${bundle.developmentSigningKey ? ' (development key)' : ''}`]] : []),
        ['Security contact', org.contact],
        ['Controls', String(s.controls)],
        ['Catalog version', `${bundle.catalog.version} (content SHA-256 \`${shortHash(bundle.catalog.sha256)}\`)`],
        ['Platform schema version', bundle.platform.schemaVersion],
        ['PostgreSQL', bundle.platform.postgresVersion],
        ['Source commit', bundle.platform.gitCommit],
        ...fws.map((f) => [`Framework: ${f.framework.name}`, `${f.framework.edition}, mapping version ${f.mappingVersion}`]),
      ],
    ),
    '',
  );

  push('## 2. Method', '');
  push(
    "Evidence is produced in three separated phases. **Collect**: read-only collectors observe the platform (its PostgreSQL catalogs and audit tables as a SELECT-only role inside one read-only transaction, its configuration and its source) and record facts without secret values. **Evaluate**: each control's checks are pure functions of those facts; nothing else is consulted. **Render**: this report, the PDF and the site are drawn from the signed bundle and never recompute a status.",
    '',
    'Status semantics: a control is **live** only when it has at least one check and every check passes; **designed** when the design artifacts it names exist in the repository; **roadmap** otherwise. A claimed live control whose checks do not all pass is a **regression**; a claimed designed control whose artifacts are missing is **unsupported**; a designed control whose checks all pass is **ready to promote**.',
    '',
    'Evidence parts (facts per collector; the SHA-256 is over the canonical JSON of the facts):',
    '',
  );
  push(
    ...table(
      ['Collector', 'Version', 'SHA-256'],
      Object.values(bundle.parts).map((p) => [p.collector, p.version, `\`${p.sha256}\``]),
    ),
    '',
  );

  push('## 3. Summary', '');
  push(
    ...table(
      ['Status', 'Claimed', 'Observed'],
      STATUS_ORDER.map((st) => [st, String(s.claimed[st] ?? 0), String(s.observed[st] ?? 0)]),
    ),
    '',
  );
  push(`Regressions: **${s.regressions}** · unsupported claims: **${s.unsupported}** · ready to promote: **${s.readyToPromote}**`, '');
  push('Observed status of the controls mapped to each framework:', '');
  push(
    ...table(
      ['Framework', 'Mapping version', 'Controls mapped', 'Live', 'Designed', 'Roadmap'],
      fws.map((f) => [f.framework.name, f.mappingVersion, String(f.mapped), String(f.observed.live), String(f.observed.designed), String(f.observed.roadmap)]),
    ),
    '',
  );
  const failing = views.filter((v) => v.evaluation.verdict === 'regression' || v.evaluation.verdict === 'unsupported');
  if (failing.length) {
    push('Claims that do not hold:', '');
    for (const v of failing) push(`- **${v.control.id}** (${VERDICT_TEXT[v.evaluation.verdict]}): ${v.evaluation.findings[0]?.reason ?? ''}`);
    push('');
  } else {
    push('Every claimed status is supported by the evidence.', '');
  }
  const ready = views.filter((v) => v.evaluation.verdict === 'ready_to_promote');
  if (ready.length) push(`Ready to promote to live: ${ready.map((v) => `\`${v.control.id}\``).join(', ')}.`, '');
  const notLive = exceptions(bundle);
  push('### Exceptions: controls that are not live', '');
  if (notLive.length === 0) push('Every control is live.', '');
  else
    push(
      ...table(
        ['Control', 'Status', 'Why'],
        notLive.map((x) => [`\`${x.id}\``, x.status, x.why]),
      ),
      '',
    );

  push('## 4. Controls', '');
  for (const v of views) {
    const e = v.evaluation;
    push(`### ${v.control.id}: ${v.control.title}`, '');
    push(`Claimed **${e.claimed}** · observed **${e.observed}** · ${VERDICT_TEXT[e.verdict]} · category ${v.control.category}${v.control.target ? ` · target ${v.control.target}` : ''}`, '');
    push(v.control.statement.trim(), '');
    push(v.control.description.trim(), '');
    const mapped = Object.entries(v.criteria).map(([fw, ids]) => `${fws.find((f) => f.framework.id === fw)?.framework.name ?? fw}: ${ids.join(', ')}`);
    if (mapped.length) push(`Mapped to ${mapped.join('; ')}.`, '');
    if (e.checks.length) {
      push(
        ...table(
          ['Check', 'Result', 'Evidence parts'],
          e.checks.map((c) => [`\`${c.check}\``, c.status, c.collectors.map((id) => `${id} \`${shortHash(bundle.parts[id]?.sha256 ?? 'missing')}\``).join(', ') || '-']),
        ),
        '',
      );
      for (const c of e.checks) {
        for (const f of c.findings) push(`- ${c.check} ${f.status}: ${f.reason}${f.observed ? ` Observed: ${f.observed}.` : ''} (${originText(f.origin)})`);
      }
      push('');
    } else {
      push('No checks: this control is not proven by the running platform.', '');
    }
    if (e.artifacts.length) {
      push('Design artifacts:', '');
      for (const a of e.artifacts) push(`- \`${a.file}${a.symbol ? `#${a.symbol}` : ''}${a.resource ? `#${a.resource}` : ''}\`: ${a.found ? `found${a.line ? ` (line ${a.line})` : ''}` : 'MISSING'}`);
      push('');
    }
    if (e.findings.length) {
      push('Findings:', '');
      for (const f of e.findings) push(`- **${f.check}** ${f.status}: ${f.reason} (${originText(f.origin)})`);
      push('');
    }
  }

  for (const f of fws) {
    push(`## ${f.framework.name} mapping matrix`, '');
    push(`${f.framework.name}, ${f.framework.edition}; mapping version ${f.mappingVersion}.`, '');
    push(
      ...table(
        ['Criterion', 'Title', 'Controls (observed status)'],
        f.criteria.map((cr) => [
          cr.id,
          cr.title,
          cr.controls.length ? cr.controls.map((c) => `${c.id} (${c.observed}${c.relationship !== 'partial' ? `, ${c.relationship}` : ''})`).join(', ') : 'not mapped',
        ]),
      ),
      '',
    );
  }

  push('## What changed since the last version', '');
  const latest = latestChanges(changelog);
  if (!latest) {
    push('No released version to compare with.', '');
  } else {
    push(`Catalog ${latest.version}${latest.unreleased ? ' (unreleased)' : ''}: ${latest.changes.length} change(s).`, '');
    for (const c of latest.changes) push(`- ${describeChange(c)}`);
    if (latest.changes.length) push('');
  }

  push('## How to verify this evidence', '');
  push(
    'The bundle (`bundle.json`) is canonical JSON (RFC 8785) with no timestamp inside: the same platform state and catalog give the same bytes. `bundle.sig.json` is a DSSE envelope (payload type `application/vnd.in-toto+json`) whose payload is an in-toto Statement v1 naming `bundle.json` by SHA-256 and carrying the signing time; the Ed25519 signature covers the DSSE pre-authentication encoding of that payload. `bundle.pub.pem` is the public key; its key id is the first 16 hex digits of the SHA-256 of its DER (SPKI) encoding.',
    '',
    '```sh',
    'npx trust verify out/bundle.json --key out/bundle.pub.pem',
    `openssl pkey -pubin -in out/bundle.pub.pem -outform DER | sha256sum   # ${input.signingKeySha256 ?? 'the fingerprint the site publishes'}`,
    `sha256sum out/bundle.json   # ${bundleSha256}`,
    '```',
    '',
    `Pin the signer: the key's fingerprint must equal the one this report, the site and security.txt publish; a key found only beside the bundle proves nothing about who signed it. This report is a rendering of the signed bundle: \`npx trust report --bundle out/bundle.json --as-of ${generatedAt.toISOString()}\` reproduces it byte for byte.`,
    '',
    "Verification fails, naming the reason, if any byte of the bundle or the envelope changed, if a part's facts do not match their recorded SHA-256, or if the key does not match.",
    '',
  );
  return out.join('\n');
}
