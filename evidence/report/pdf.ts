/**
 * out/report.pdf for auditors, drawn with pdfkit: cover, table of contents with
 * links and a PDF outline, summary with a vector chart, one section per control,
 * the mapping matrices, the changes and how to verify; every footer carries the
 * page number and the bundle hash. Like the markdown report, it only states what
 * the bundle says. pdfkit is imported lazily (only this renderer needs it).
 *
 * Accessibility (PDF/UA, Section 508, EN 301 549) and archiving checks need a tagged
 * PDF with embedded fonts: the writer (pdf-writer.ts) puts every piece of content in a
 * structure element or marks it as an artifact, the document language is set, and the
 * text uses the DejaVu fonts embedded by pdf-fonts.ts. The table of contents, drawn last
 * on pages reserved after the cover, has its place in the tree reserved there too.
 * pdfkit runs with speed patches (pdfkit-patches.ts, TRUST_PDFKIT_PATCHES=0 turns them off).
 */
import { describeChange } from '../mapping/diff.ts';
import { originText } from '../ci/gate.ts';
import { assessedText, controlViews, exceptions, frameworkRows, latestChanges, shortHash, STATUS_ORDER, toolText, VERDICT_TEXT, type ReportInput } from './model.ts';
import { plural } from '../../platform/kernel/text/plural.ts';
import { F, loadFonts } from './pdf-fonts.ts';
import { pdfkitPatchesEnabled, patchDocument } from './pdfkit-patches.ts';
import { COLORS, FOOTER, MARGIN, pdfText, Writer } from './pdf-writer.ts';
import { periodSection, statusBarChart } from './pdf-sections.ts';

/** Chart labels must fit one line; the full names are in the scope table. */
const SHORT_NAMES: Record<string, string> = { soc2: 'SOC 2', iso27001: 'ISO/IEC 27001', gdpr: 'GDPR' };

export async function renderPdf(input: ReportInput): Promise<Buffer> {
  const { default: PDFDocument } = await import('pdfkit');
  const { bundle, bundleSha256, generatedAt, changelog } = input;
  const org = bundle.catalog.organisation;
  const views = controlViews(bundle);
  const fws = frameworkRows(bundle);
  const s = bundle.summary;
  const title = `${org.name} trust report`;
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: MARGIN, bottom: MARGIN, left: MARGIN, right: MARGIN },
    bufferPages: true,
    autoFirstPage: true,
    info: {
      Title: title,
      Author: org.name,
      Subject: `Security controls evidence, catalog ${bundle.catalog.version}`,
      Keywords: `bundle-sha256:${bundleSha256}`,
      CreationDate: generatedAt,
      ModDate: generatedAt,
    },
    displayTitle: true,
    pdfVersion: '1.7',
    tagged: true,
    lang: 'en',
  });
  if (pdfkitPatchesEnabled()) patchDocument(doc);
  loadFonts(doc);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve, reject) => {
    doc.on('end', () => resolve());
    doc.on('error', reject);
  });
  const root = doc.struct('Document');
  doc.addStructure(root);
  const w = new Writer(doc, root);

  // Cover.
  w.artifact(() => doc.rect(0, 0, doc.page.width, 230).fill('#12324a'));
  w.leaf('Title', () => doc.font(F.bold).fontSize(30).fillColor('#ffffff').text(pdfText(org.name), MARGIN, 90, { width: w.width }));
  w.leaf('P', () => doc.font(F.body).fontSize(16).text('Trust report: security controls and their evidence', MARGIN, 135, { width: w.width }));
  const site = /^[a-z][a-z0-9+.-]*:/i.test(org.website) ? org.website : `https://${org.website}`;
  w.group('P', () => w.leaf('Link', () => doc.fontSize(10).text(pdfText(org.website), MARGIN, 170, { link: site })));
  doc.fillColor(COLORS.ink).font(F.body).fontSize(11);
  let y = 270;
  const coverRow = (k: string, v: string, mono = false) => {
    // A key and its value, read as one paragraph ("Catalog version 1.2.0").
    w.leaf('P', () => {
      doc.font(F.bold).fontSize(10).fillColor(COLORS.muted).text(k, MARGIN, y, { width: 140 });
      doc
        .font(mono ? F.mono : F.body)
        .fontSize(mono ? 8 : 11)
        .fillColor(COLORS.ink)
        .text(pdfText(v), MARGIN + 150, y, { width: w.width - 150 });
    });
    y = doc.y + 10;
  };
  // What was assessed, by what, and how to pin the signer: an auditor reads this first.
  coverRow('Organisation', org.name);
  coverRow('Assessed', assessedText(bundle));
  coverRow(
    'As of',
    generatedAt
      .toISOString()
      .replace('T', ' ')
      .replace(/\.\d+Z$/, ' UTC'),
  );
  coverRow('Tool', toolText(input));
  coverRow('Catalog version', bundle.catalog.version);
  coverRow('Bundle SHA-256', bundleSha256, true);
  // The development-key warning is the red line below the rows.
  if (input.signingKeySha256) coverRow('Signing key SHA-256', input.signingKeySha256, true);
  coverRow('Controls', `${s.controls} (${STATUS_ORDER.map((st) => `${s.claimed[st] ?? 0} claimed ${st}`).join(', ')})`);
  coverRow('Claims not holding', `${plural(s.regressions, 'regression')}, ${s.unsupported} unsupported`);
  coverRow('Contact', org.contact);
  coverRow(
    'This document',
    `A rendering of the signed bundle: npx trust report --bundle out/bundle.json --as-of ${generatedAt.toISOString()} reproduces it byte for byte; section "How to verify" says how to check the signature.`,
  );
  if (bundle.developmentSigningKey) {
    y += 10;
    w.leaf('P', () => doc.font(F.bold).fontSize(11).fillColor(COLORS.bad).text('Signed with a DEVELOPMENT key: not for audit use.', MARGIN, y, { width: w.width }));
  }

  // Reserve the table of contents: one line per section and control.
  // 7 numbered sections, the exceptions, frameworks, controls; a period adds its section, its exceptions and its sample.
  const period = input.period;
  const tocLines = 8 + fws.length + views.length + (period ? 1 + (period.controls.some((c) => c.exceptions.length) ? 1 : 0) + (period.sample.length ? 1 : 0) : 0);
  // The same arithmetic as the TOC writer below: 15 pt per line, the first page starts under its title.
  const perPage = Math.floor((doc.page.height - MARGIN - FOOTER - MARGIN) / 15);
  const firstPage = perPage - 3;
  const tocPages = tocLines <= firstPage ? 1 : 1 + Math.ceil((tocLines - firstPage) / perPage);
  const tocStart = w.currentPage() + 1;
  // Its place in the structure tree is here, after the cover; it is filled at the end.
  const tocSect = doc.struct('Sect');
  root.add(tocSect);
  for (let i = 0; i < tocPages; i++) doc.addPage();
  doc.addPage();

  // Scope and method.
  w.heading('1. Scope', 1, 'scope');
  w.para(`This report covers the security controls that ${org.name} publishes for its hosting platform for AI agents and virtual machines, each evaluated against the running platform.`);
  w.table(
    [
      { header: 'Item', width: 1 },
      { header: 'Value', width: 2.6 },
    ],
    [
      ['Organisation', `${org.name} (${org.website})`],
      ['Assessed', assessedText(bundle)],
      ['Tool', toolText(input)],
      ['Security contact', org.contact],
      ['Catalog', `version ${bundle.catalog.version}, content SHA-256 ${bundle.catalog.sha256}`],
      ['Platform schema version', bundle.platform.schemaVersion],
      ['PostgreSQL', bundle.platform.postgresVersion],
      ['Source commit', bundle.platform.gitCommit],
      ...fws.map((f) => [f.framework.name, `${f.framework.edition}; mapping version ${f.mappingVersion}`]),
    ],
  );
  w.heading('2. Method', 1, 'method');
  w.para(
    "Evidence is produced in three separated phases. Collect: read-only collectors observe the platform (PostgreSQL catalogs and audit tables through a SELECT-only role in one read-only transaction, configuration and source) and record facts without secret values. Evaluate: each control's checks are pure functions of those facts. Render: this report is drawn from the signed bundle and never recomputes a status.",
  );
  w.para(
    'A control is live only when it has at least one check and every check passes; designed when the design artifacts it names exist in the repository; roadmap otherwise. A claimed live control whose checks do not all pass is a regression; a claimed designed control whose artifacts are missing is unsupported; a designed control whose checks all pass is ready to promote.',
  );
  w.table(
    [
      { header: 'Evidence part (collector)', width: 1.2 },
      { header: 'Version', width: 0.6 },
      { header: 'SHA-256 of its facts', width: 3, mono: true },
    ],
    Object.values(bundle.parts).map((p) => [p.collector, p.version, p.sha256]),
    7.5,
  );

  // Summary.
  w.heading('3. Summary', 1, 'summary');
  w.table(
    [
      { header: 'Status', width: 1 },
      { header: 'Claimed', width: 1 },
      { header: 'Observed', width: 1 },
    ],
    STATUS_ORDER.map((st) => [st, String(s.claimed[st] ?? 0), String(s.observed[st] ?? 0)]),
    9,
  );
  w.para(`Regressions: ${s.regressions}. Unsupported claims: ${s.unsupported}. Ready to promote: ${s.readyToPromote}.`, { font: F.bold });
  w.ensure((fws.length + 1) * 22 + 70); // keep the chart with its caption
  w.para('Observed status of the controls mapped to each framework:', { size: 9 });
  statusBarChart(w, [{ label: 'All controls', counts: s.observed }, ...fws.map((f) => ({ label: `${SHORT_NAMES[f.framework.id] ?? f.framework.name} (${f.mapped})`, counts: f.observed }))]);
  const failing = views.filter((v) => v.evaluation.verdict === 'regression' || v.evaluation.verdict === 'unsupported');
  if (failing.length) {
    w.para('Claims that do not hold:', { font: F.bold, color: COLORS.bad });
    w.bullets(failing.map((v) => `${v.control.id} (${VERDICT_TEXT[v.evaluation.verdict]}): ${v.evaluation.findings[0]?.reason ?? ''}`));
  } else {
    w.para('Every claimed status is supported by the evidence.');
  }
  const ready = views.filter((v) => v.evaluation.verdict === 'ready_to_promote');
  if (ready.length) w.para(`Ready to promote to live: ${ready.map((v) => v.control.id).join(', ')}.`);
  const notLive = exceptions(bundle);
  w.heading('Exceptions: controls that are not live', 2, 'exceptions');
  if (notLive.length === 0) w.para('Every control is live.');
  else
    w.table(
      [
        { header: 'Control', width: 1.3 },
        { header: 'Status', width: 0.7 },
        { header: 'Why', width: 2.6 },
      ],
      notLive.map((x) => [x.id, x.status, x.why]),
      7.5,
    );

  // Controls.
  doc.addPage();
  const controlsOutline = w.heading('4. Controls', 1, 'controls');
  w.table(
    [
      { header: 'Control', width: 2.2 },
      { header: 'Claimed', width: 0.8 },
      { header: 'Observed', width: 0.8 },
      { header: 'Verdict', width: 1.1 },
    ],
    views.map((v) => [v.control.id, v.evaluation.claimed, v.evaluation.observed, VERDICT_TEXT[v.evaluation.verdict]]),
  );
  for (const v of views) {
    const e = v.evaluation;
    w.ensure(200);
    w.heading(`${v.control.id}: ${v.control.title}`, 2, `control-${v.control.id}`, controlsOutline);
    w.para(`Claimed ${e.claimed}  |  observed ${e.observed}  |  ${VERDICT_TEXT[e.verdict]}  |  ${v.control.category}${v.control.target ? `  |  target ${v.control.target}` : ''}`, {
      font: F.bold,
      size: 9,
      color: e.verdict === 'regression' || e.verdict === 'unsupported' ? COLORS.bad : COLORS.muted,
    });
    w.para(v.control.statement.trim());
    w.para(v.control.description.trim(), { size: 8.5, color: COLORS.muted });
    const mapped = Object.entries(v.criteria).map(([fw, ids]) => `${fws.find((f) => f.framework.id === fw)?.framework.name ?? fw}: ${ids.join(', ')}`);
    if (mapped.length) w.para(`Mapped to ${mapped.join('; ')}.`, { size: 8.5 });
    if (e.checks.length) {
      w.table(
        [
          { header: 'Check', width: 1.3 },
          { header: 'Result', width: 0.5 },
          { header: 'Finding', width: 2.8 },
          { header: 'Origin', width: 1.6 },
        ],
        e.checks.flatMap((c) => c.findings.map((f, i) => [i === 0 ? c.check : '', f.status, f.reason + (f.observed ? ` Observed: ${f.observed}.` : ''), originText(f.origin)])),
        7.5,
      );
      const partIds = [...new Set(e.checks.flatMap((c) => c.collectors))].sort();
      if (partIds.length) w.para(`Evidence parts: ${partIds.map((id) => `${id} ${shortHash(bundle.parts[id]?.sha256 ?? 'missing')}`).join(', ')}`, { size: 7.5, color: COLORS.muted, font: F.mono });
    } else {
      w.para('No checks: not proven by the running platform.', { size: 8.5, color: COLORS.muted });
    }
    if (e.artifacts.length) {
      w.table(
        [
          { header: 'Design artifact', width: 3 },
          { header: 'In the repository', width: 1 },
        ],
        e.artifacts.map((a) => [`${a.file}${a.symbol ? `#${a.symbol}` : ''}${a.resource ? `#${a.resource}` : ''}`, a.found ? `found${a.line ? ` (line ${a.line})` : ''}` : 'MISSING']),
        7.5,
      );
    }
    if (e.findings.length) {
      w.para('Findings:', { font: F.bold, color: COLORS.bad, size: 9 });
      w.bullets(e.findings.map((f) => `${f.check} ${f.status}: ${f.reason} (${originText(f.origin)})`));
    }
  }

  // Matrices.
  fws.forEach((f, i) => {
    doc.addPage();
    w.heading(`${5 + i}. ${f.framework.name} mapping matrix`, 1, `matrix-${f.framework.id}`);
    w.para(`${f.framework.name}, ${f.framework.edition}; mapping version ${f.mappingVersion}. Status in brackets is the observed status.`, { size: 9 });
    w.table(
      [
        { header: 'Criterion', width: 0.7 },
        { header: 'Title', width: 1.8 },
        { header: 'Controls', width: 2.6 },
      ],
      f.criteria.map((cr) => [cr.id, cr.title, cr.controls.length ? cr.controls.map((c) => `${c.id} (${c.observed})`).join(', ') : 'not mapped']),
      7.5,
    );
  });

  // Changes and verification.
  const n = 5 + fws.length;
  w.heading(`${n}. What changed since the last version`, 1, 'changes');
  const latest = latestChanges(changelog);
  if (!latest) w.para('No released version to compare with.');
  else {
    w.para(`Catalog ${latest.version}${latest.unreleased ? ' (unreleased)' : ''}: ${latest.changes.length} change(s).`);
    if (latest.changes.length) w.bullets(latest.changes.map(describeChange));
  }
  let next = n + 1;
  if (period) periodSection(w, period, next++);
  w.heading(`${next}. How to verify this evidence`, 1, 'verify');
  w.para(
    'bundle.json is canonical JSON (RFC 8785) with no timestamp inside. bundle.sig.json is a DSSE envelope (payload type application/vnd.in-toto+json) whose payload is an in-toto Statement v1 naming bundle.json by SHA-256 with the signing time; the Ed25519 signature covers the DSSE pre-authentication encoding of the payload. bundle.pub.pem is the public key; its key id is the first 16 hex digits of the SHA-256 of its DER (SPKI) encoding.',
  );
  w.para('npx trust verify out/bundle.json --key out/bundle.pub.pem\nopenssl pkey -pubin -in out/bundle.pub.pem -outform DER | sha256sum', { font: F.mono, size: 8.5 });
  if (input.signingKeySha256)
    w.para(
      `Pin the signer: the second command must print ${input.signingKeySha256}, the fingerprint this report, the site and security.txt publish. A key obtained only from beside the bundle proves nothing about who signed it.`,
    );
  w.para(
    `The SHA-256 of bundle.json must be ${bundleSha256}. Verification fails, naming the reason, if any byte of the bundle or envelope changed, if a part's facts do not match their recorded hash, or if the key does not match.`,
  );

  // Table of contents (on the reserved pages), with links.
  const tocEnd = tocStart + tocPages;
  let tocPage = tocStart;
  doc.switchToPage(tocPage);
  doc.outline.addItem('Contents');
  let ty = 0;
  w.fillInto(tocSect, () => {
    w.leaf('H1', () => doc.font(F.bold).fontSize(16).fillColor(COLORS.ink).text('Contents', MARGIN, MARGIN));
    ty = doc.y + 8;
    w.group('TOC', () => {
      for (const t of w.toc) {
        if (ty + 15 > doc.page.height - MARGIN - FOOTER) {
          tocPage++;
          if (tocPage >= tocEnd) throw new Error('table of contents overflowed its reserved pages');
          doc.switchToPage(tocPage);
          ty = MARGIN;
        }
        const indent = t.level === 1 ? 0 : 14;
        const at = ty;
        w.group('TOCI', () => {
          // The entry is a link to its section; the annotation is a child of the Link element.
          const link = doc.struct('Link', {}, () => {
            doc
              .font(t.level === 1 ? F.bold : F.body)
              .fontSize(t.level === 1 ? 10 : 8.5)
              .fillColor(COLORS.ink);
            const text = pdfText(t.title);
            const width = w.width - indent - 40;
            doc.text(text, MARGIN + indent, at, { width, lineBreak: false, ellipsis: true });
            doc.text(String(t.page + 1), MARGIN + w.width - 36, at, { width: 36, align: 'right', lineBreak: false });
            doc.goTo(MARGIN + indent, at, w.width - indent, doc.currentLineHeight(), t.dest, { structParent: link, Contents: new String(`${text}, page ${t.page + 1}`) } as unknown as object);
          });
          w.leafStruct(link);
        });
        ty += 15;
      }
    });
  });

  // Footers on every page.
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottomMargin = doc.page.margins.bottom;
    doc.page.margins.bottom = 0; // writing inside the margin must not add a page
    const fy = doc.page.height - MARGIN + 6;
    w.artifact(() => {
      doc
        .moveTo(MARGIN, fy - 6)
        .lineTo(doc.page.width - MARGIN, fy - 6)
        .lineWidth(0.5)
        .strokeColor(COLORS.rule)
        .stroke();
      doc.font(F.body).fontSize(7.5).fillColor(COLORS.muted);
      doc.text(pdfText(`${title}, catalog ${bundle.catalog.version}`), MARGIN, fy, { width: w.width / 2, lineBreak: false });
      doc.text(`Page ${i + 1} of ${range.count}`, MARGIN + w.width / 2, fy, { width: w.width / 2, align: 'right', lineBreak: false });
      doc
        .font(F.mono)
        .fontSize(6.5)
        .text(`bundle SHA-256 ${bundleSha256}`, MARGIN, fy + 11, { width: w.width, lineBreak: false });
    }, 'Pagination');
    doc.page.margins.bottom = bottomMargin;
  }
  doc.end();
  await ended;
  return Buffer.concat(chunks);
}
