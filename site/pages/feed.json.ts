/** The updates feed (JSON Feed 1.1): one item per catalog version in the changelog. Versions carry
 *  no date in the changelog, so items carry none (JSON Feed allows that) rather than a made-up one. */
import type { APIRoute } from 'astro';
import { evidence, slug } from '../lib/evidence.ts';

export const GET: APIRoute = () => {
  const ev = evidence();
  const site = ev.bundle.catalog.organisation.website.replace(/\/$/, '');
  const title = (id?: string) => (id && ev.byId.get(id)?.control.title) || id || '';
  const items = (ev.changelog?.versions ?? []).map((v) => ({
    id: `${site}/changelog/#v${slug(v.version)}${v.unreleased === true ? `-${ev.bundleSha256.slice(0, 12)}` : ''}`,
    url: `${site}/changelog/#v${slug(v.version)}${v.unreleased === true ? '-unreleased' : ''}`,
    title: `Catalog ${v.version}${v.unreleased === true ? ' (unreleased run)' : ''}: ${v.changes.length} change${v.changes.length === 1 ? '' : 's'}`,
    content_text:
      v.changes
        .map((c) => `${c.kind.replace(/_/g, ' ')}${c.control ? ` ${title(c.control)}` : ''}${c.to !== undefined ? ` (${c.from !== undefined ? `${String(c.from)} -> ` : ''}${String(c.to)})` : ''}`)
        .join('\n') || 'No control changed.',
  }));
  const feed = {
    version: 'https://jsonfeed.org/version/1.1',
    title: `${ev.bundle.catalog.organisation.name} security updates`,
    home_page_url: `${site}/changelog/`,
    feed_url: `${site}/feed.json`,
    items,
  };
  return new Response(JSON.stringify(feed, null, 2) + '\n', { headers: { 'Content-Type': 'application/feed+json' } });
};
