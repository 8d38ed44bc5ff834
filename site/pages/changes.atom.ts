/**
 * /changes.atom: the claim changes of every control as an Atom feed (RFC 4287), so buyers can
 * subscribe: a status up (towards live), down (a failing run, or a claim lowered), stale (no
 * run within the control's maximum evidence age) and each control's first run. Entries are the
 * changes `trust history --json` lists for the published log (site/lib/history.ts), newest
 * first; nothing here judges a claim. Simulated (backdated demo) changes say so in their title.
 */
import type { APIRoute } from 'astro';
import { evidence } from '../lib/evidence.ts';
import { recentChanges, STATE_WORD, type ClaimChange } from '../lib/history.ts';

/** The newest entries a feed reader gets; the whole history is in `trust history --json`. */
const FEED_ENTRIES = 100;

const xml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
const KIND: Record<ClaimChange['kind'], string> = { first: 'first run', up: 'status up', down: 'status down', stale: 'stale' };

export const GET: APIRoute = async () => {
  const ev = evidence();
  const site = ev.bundle.catalog.organisation.website.replace(/\/$/, '');
  const org = ev.bundle.catalog.organisation.name;
  const changes = await recentChanges(FEED_ENTRIES);
  const title = (id: string) => ev.byId.get(id)?.control.title ?? id;
  const updated = changes[0]?.at ?? ev.verifiedAt.toISOString();
  const entries = changes.map((c) => {
    const move = c.from === null ? `first run, ${STATE_WORD[c.to]}` : `${STATE_WORD[c.from]} → ${STATE_WORD[c.to]}`;
    const page = ev.byId.has(c.control) ? `${site}/controls/${c.control}/#operating-history` : `${site}/changelog/`;
    const text = [
      `${title(c.control)} (${c.control}): ${move} at ${c.at}.`,
      c.derived ? `Derived: ${c.derived}.` : `Shown by the run of ${c.at}.`,
      `Bundle sha256 ${c.bundleSha256}, transparency log entry ${c.leafIndex} (npx trust log prove --leaf ${c.leafIndex}); catalog ${c.catalogVersion}.`,
      c.simulated ? 'SIMULATED: backdated by trust demo --history, not observed on a platform.' : '',
    ]
      .filter(Boolean)
      .join(' ');
    return [
      '  <entry>',
      `    <id>${xml(`${site}/controls/${c.control}/#change-${c.at.replace(/[-:.]/g, '')}-${c.to}`)}</id>`,
      `    <title>${xml(`${c.simulated ? '[simulated] ' : ''}${title(c.control)}: ${KIND[c.kind]} (${move})`)}</title>`,
      `    <updated>${xml(c.at)}</updated>`,
      `    <link rel="alternate" type="text/html" href="${xml(page)}"/>`,
      `    <category term="${c.kind}" label="${xml(KIND[c.kind])}"/>`,
      `    <category term="${xml(c.control)}" scheme="${xml(`${site}/controls/`)}"/>`,
      `    <summary>${xml(text)}</summary>`,
      '  </entry>',
    ].join('\n');
  });
  const body = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">',
    `  <id>${xml(`${site}/changes.atom`)}</id>`,
    `  <title>${xml(`${org} claim changes`)}</title>`,
    `  <subtitle>${xml(`Every change of a security claim's status, from the transparency log: status up, status down, stale. The ${FEED_ENTRIES} newest; npx trust history lists them all.`)}</subtitle>`,
    `  <updated>${xml(updated)}</updated>`,
    `  <author><name>${xml(org)}</name><uri>${xml(site)}/</uri></author>`,
    `  <link rel="self" type="application/atom+xml" href="${xml(`${site}/changes.atom`)}"/>`,
    `  <link rel="alternate" type="text/html" href="${xml(`${site}/changelog/`)}"/>`,
    `  <generator>trust-evidence</generator>`,
    ...entries,
    '</feed>',
    '',
  ].join('\n');
  return new Response(body, { headers: { 'Content-Type': 'application/atom+xml; charset=utf-8' } });
};
