/**
 * Where a build's twins meet: the pages render in Astro's bundle of this code and the
 * integration that checks them (lib/markdown-twins.ts) runs in Astro's own process beside
 * it, so they share a record on globalThis, keyed by the page's URL path. The layout puts
 * each page's head there as it renders and, for most pages, its body; an MDX page's body
 * comes from the component its compiler appends (twins/content.ts). Outside a build
 * (astro dev) there is no record and nothing is kept.
 *
 * A twin is written while the other pages render, a few pages after it is whole: its writes
 * then wait on the disk beside the rendering instead of after it (at 2,000 pages, 6,000
 * files), and by then Astro has made the page's directory (a directory made twice cost about
 * as much as the twin's file).
 */
import { link, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface TwinParts {
  /** The title and the evidence lines (twins/frame.ts). */
  head?: string;
  /** Markdown blocks of the page's main content after its title. */
  body?: string;
}

/** Twins whole but not yet written: Astro renders eight pages at a time and writes each as it is rendered. */
const LAG = 32;

interface Build {
  outDir: string;
  /** Whole twins waiting for their page's directory, oldest first. */
  queue: { pathname: string; text: string }[];
  /** Parts still waiting for the rest, by URL path; `true` once the twin is whole. */
  twins: Map<string, TwinParts | true>;
  /** Each write, settled with its error (or null): awaited when the build is done. */
  writes: Promise<unknown>[];
}

const KEY = Symbol.for('trust-evidence.site.twins');
const current = () => (globalThis as Record<symbol, Build | undefined>)[KEY];

/** A fresh record for a build writing into `outDir` (the integration, when the build starts). */
export function startTwins(outDir: string): void {
  (globalThis as Record<symbol, unknown>)[KEY] = { outDir, queue: [], twins: new Map(), writes: [] } satisfies Build;
}

/** The twin's text: its head, then its body's blocks. */
export const twinText = (t: Required<TwinParts>) => [t.head, t.body].filter(Boolean).join('\n\n') + '\n';

/** `index.md` beside the page, and the same file where llmstxt.org says agents look:
 *  `index.html.md` for a directory URL, and `<url>.md` for the URL without its trailing slash
 *  (/controls/x.md). Hard links: one write, the same bytes at every path. */
async function writeTwin(outDir: string, pathname: string, text: string): Promise<void> {
  const dir = path.join(outDir, pathname);
  const file = path.join(dir, 'index.md');
  await writeFile(file, text).catch(async (e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
    await mkdir(dir, { recursive: true });
    await writeFile(file, text);
  });
  await Promise.all([link(file, path.join(dir, 'index.html.md')), pathname === '/' ? null : link(file, `${dir.replace(/[\\/]$/, '')}.md`)]);
}

/** Records a part of a page's twin during a build; a whole twin joins the queue of those to write. */
export function putTwin(pathname: string, part: TwinParts): void {
  const build = current();
  if (!build) return;
  const had = build.twins.get(pathname);
  if (had === true) throw new Error(`markdown twin: ${pathname} was rendered twice`);
  const twin = { ...had, ...part };
  if (twin.head === undefined || twin.body === undefined) {
    build.twins.set(pathname, twin);
    return;
  }
  build.twins.set(pathname, true);
  build.queue.push({ pathname, text: twinText({ head: twin.head, body: twin.body }) });
  if (build.queue.length > LAG) write(build, build.queue.shift()!);
}

function write(build: Build, t: { pathname: string; text: string }): void {
  build.writes.push(
    writeTwin(build.outDir, t.pathname, t.text).then(
      () => null,
      (e: unknown) => e,
    ),
  );
}

/** Ends the build's record: the URL paths whose twins were written, once every write is done. */
export async function endTwins(): Promise<Set<string>> {
  const build = current();
  delete (globalThis as Record<symbol, unknown>)[KEY];
  if (!build) return new Set();
  for (const t of build.queue.splice(0)) write(build, t);
  const failed = (await Promise.all(build.writes)).find((e) => e !== null);
  if (failed) throw failed;
  return new Set([...build.twins].filter(([, t]) => t === true).map(([p]) => p));
}
