/** The subprocessors feed (JSON Feed 1.1, https://jsonfeed.org/version/1.1): one item per registry entry, dated by `since`. */
import type { APIRoute } from 'astro';
import { evidence, vendors } from '../lib/evidence.ts';

export const GET: APIRoute = () => {
  const ev = evidence();
  const site = ev.bundle.catalog.organisation.website.replace(/\/$/, '');
  const items = vendors()
    .map((v) => ({
      id: `${site}/subprocessors/#${encodeURIComponent(v.name)}`,
      url: `${site}/subprocessors/`,
      title: `Subprocessor: ${v.name}`,
      content_text: `${v.name}. Purpose: ${v.purpose}. Data: ${v.data ?? 'not stated'}. Location: ${v.location}.${v.found.length ? ` In our code: ${v.found.map((f) => f.what).join(', ')}.` : ''}`,
      ...(v.since ? { date_published: `${v.since}T00:00:00Z` } : {}),
    }))
    .sort((a, b) => (b.date_published ?? '').localeCompare(a.date_published ?? ''));
  const feed = {
    version: 'https://jsonfeed.org/version/1.1',
    title: `${ev.bundle.catalog.organisation.name} subprocessors`,
    home_page_url: `${site}/subprocessors/`,
    feed_url: `${site}/subprocessors.json`,
    items,
  };
  return new Response(JSON.stringify(feed, null, 2) + '\n', { headers: { 'Content-Type': 'application/feed+json' } });
};
