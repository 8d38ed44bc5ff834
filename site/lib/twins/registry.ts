/**
 * Where a build's twins meet: the pages render in Astro's bundle of this code and the
 * integration that writes the files (lib/markdown-twins.ts) runs in Astro's own process
 * beside it, so they share a map on globalThis, keyed by the page's URL path. The layout
 * puts each page's head there as it renders and, for most pages, its body; an MDX page's
 * body comes from the component its compiler appends (twins/content.ts). Outside a
 * build (astro dev) there is no map and nothing is kept.
 */
export interface TwinParts {
  /** The title and the evidence lines (twins/frame.ts). */
  head?: string;
  /** Markdown blocks of the page's main content after its title. */
  body?: string;
}

const KEY = Symbol.for('trust-evidence.site.twins');
type Registry = Map<string, TwinParts>;

/** A fresh map for a build (the integration, when the build starts). */
export function startTwins(): Registry {
  const map: Registry = new Map();
  (globalThis as Record<symbol, unknown>)[KEY] = map;
  return map;
}

export function endTwins(): void {
  delete (globalThis as Record<symbol, unknown>)[KEY];
}

/** Records a part of a page's twin, during a build. */
export function putTwin(pathname: string, part: TwinParts): void {
  const map = (globalThis as Record<symbol, unknown>)[KEY] as Registry | undefined;
  if (!map) return;
  const twin = map.get(pathname);
  if (twin) Object.assign(twin, part);
  else map.set(pathname, { ...part });
}

/** The twin's text: its head, then its body's blocks. */
export const twinText = (t: Required<TwinParts>) => [t.head, t.body].filter(Boolean).join('\n\n') + '\n';
