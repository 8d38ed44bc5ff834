/**
 * Builds the security site from an evidence bundle. Refuses (throws
 * SiteRefusedError naming the controls) when a control claimed live is not observed
 * live, before Astro runs, so a failing control is never published as live. The
 * site's own loader (site/lib/evidence.ts) applies the same gate, so a direct
 * `astro build` cannot bypass it either.
 */
import { readFileSync, readdirSync, rmSync, existsSync, statSync, renameSync, lstatSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { InputError } from '../../platform/kernel/errors.ts';
import { BundleSchema, type Bundle } from '../types.ts';
import { liveControlsNotObservedLive, type BlockedControl } from './publish-gate.ts';
import { resolveInSet } from '../output/atomic-set.ts';
import { siteLogDir } from './log-snapshot.ts';
import { startHistoryThread } from '../history/history-thread.ts';
import { keepWasmToLiftoff } from './wasm-liftoff.ts';
import * as contract from '../contract.ts';
import { trickEnabled } from '../../platform/kernel/switches.ts';
import { handEngine } from '../../site/lib/shared-engine.ts';
import { siteConfig } from '../../site/astro-config.ts';

export class SiteRefusedError extends Error {
  constructor(readonly blocked: BlockedControl[]) {
    super(`refusing to publish the site: ${blocked.length} control(s) claimed live are not observed live: ${blocked.map((b) => b.summary).join('; ')}`);
    this.name = 'SiteRefusedError';
  }
  get controls(): string[] {
    return this.blocked.map((b) => b.control);
  }
}

export interface BuildSiteOptions {
  /** Path to bundle.json; its siblings (bundle.sig.json, report.pdf, oscal/...) are published too. */
  bundlePath: string;
  /** Where to write the site. Default: <root>/dist. */
  outDir?: string;
  /** Project root holding astro.config.mjs. Default: this repository. */
  root?: string;
  /** The transparency log to publish under /log/ (it is not in the output set). Default: where
   *  the gate writes it, TRUST_LOG_DIR, else <TRUST_DATA_DIR|root/.data>/tlog. */
  logDir?: string;
}

export interface BuildSiteResult {
  /** Number of HTML pages. */
  pages: number;
  /** HTML size in bytes per page, keyed by path relative to outDir (e.g. `controls/x/index.html`). */
  bytes: Record<string, number>;
}

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

function readBundle(file: string): Bundle {
  if (!existsSync(file)) throw new InputError(`${file}: no evidence bundle here; run \`npx trust check\` or \`npm start\` first, or pass --bundle`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`${file}: not JSON (${(e as Error).message.split('\n')[0]})`);
  }
  const r = BundleSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new InputError(`${file}: /${i.path.join('/')} ${i.message}`);
  }
  return r.data;
}

function moveAsideAndRemove(outDir: string): Promise<void> {
  if (!existsSync(outDir) || !lstatSync(outDir).isDirectory() || existsSync(path.join(outDir, '.git'))) return Promise.resolve();
  const aside = path.join(path.dirname(outDir), `.${path.basename(outDir)}.old-${process.pid}-${Date.now()}`);
  try {
    renameSync(outDir, aside);
  } catch {
    return Promise.resolve(); // e.g. a mount point: Astro empties it in place
  }
  // On a thread of its own, with synchronous calls: thousands of unlinks sent through libuv's
  // pool would queue the reads of Astro's modules and of the site's sources behind them (at
  // 2,000 controls the build sat idle for a second waiting on them).
  const worker = new Worker(`require('node:fs').rmSync(require('node:worker_threads').workerData, { recursive: true, force: true })`, { eval: true, workerData: aside });
  return new Promise((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', () => resolve());
  });
}

export async function buildSite(options: BuildSiteOptions): Promise<BuildSiteResult> {
  const root = path.resolve(options.root ?? REPO_ROOT);
  // The site reads the bundle's siblings too: all from the one run's set it resolves to now.
  const bundlePath = resolveInSet(path.resolve(options.bundlePath));
  const outDir = path.resolve(options.outDir ?? path.join(root, 'dist'));
  keepWasmToLiftoff();
  // Astro's module graph loads (much of it off the main thread, through the module
  // loader's hooks) while the bundle is read and validated here.
  const astro = import('astro');
  astro.catch(() => {}); // a refusal below must not leave an unhandled rejection behind
  const bundle = readBundle(bundlePath);
  const blocked = liveControlsNotObservedLive(bundle);
  if (blocked.length) throw new SiteRefusedError(blocked);

  process.env.TRUST_BUNDLE = bundlePath;
  // The pages read repository files (policies, verify.mjs, _headers) from here (site/lib/evidence.ts).
  process.env.TRUST_SITE_ROOT = root;
  // The log the pages publish (site/lib/evidence.ts): the one named here, else the gate's.
  if (options.logDir) process.env.TRUST_SITE_LOG_DIR = path.resolve(options.logDir);
  else delete process.env.TRUST_SITE_LOG_DIR;
  // Hand the validated bundle to the site's loader (same process): it is parsed and
  // validated once per build, not again inside Astro. Keyed by path, size and mtime.
  const st = statSync(bundlePath);
  (globalThis as Record<symbol, unknown>)[Symbol.for('trust-evidence.site.bundle')] = { path: bundlePath, size: st.size, mtimeMs: st.mtimeMs, bundle };
  // The engine the pages read (evidence/contract.ts), as this process holds it: Vite then does
  // not compile it again (site/lib/shared-engine.ts; TRUST_SITE_SHARED_ENGINE=0 turns it off).
  handEngine(trickEnabled('TRUST_SITE_SHARED_ENGINE') ? contract : undefined);
  process.env.ASTRO_TELEMETRY_DISABLED = '1';
  // The evidence history the pages show is read from the log on another thread while Astro
  // compiles (evidence/history/history-thread.ts); the pages take it only if it is of the very
  // log they publish (site/lib/history.ts).
  // A run recorded in no log (no receipt beside its bundle) has no history to read: no thread,
  // which would only load its modules to find that out, on a core the build needs.
  const recorded = existsSync(path.join(path.dirname(bundlePath), 'log', 'checkpoint'));
  const history = recorded ? startHistoryThread(path.dirname(bundlePath), siteLogDir(root)) : { result: Promise.resolve(null), stop: async () => {} };
  (globalThis as Record<symbol, unknown>)[Symbol.for('trust-evidence.site.history')] = { bundleDir: path.dirname(bundlePath), result: history.result };
  // The previous site is moved aside and deleted while Astro compiles, instead of Astro
  // emptying the directory file by file before it starts: same work, overlapped with
  // the build, and awaited before we return. (Kept in place when it holds a .git.)
  const removal = moveAsideAndRemove(outDir);
  try {
    const { build } = await astro;
    // The site's configuration as this process holds it, instead of astro.config.mjs loaded
    // through a Vite server of Astro's own (site/astro-config.ts).
    const config = trickEnabled('TRUST_SITE_INLINE_CONFIG') ? { ...(await siteConfig()), configFile: false as const } : {};
    await build({ ...config, root, outDir, logLevel: 'warn', mode: 'production' });
  } finally {
    await removal;
    await history.stop();
  }

  // Astro's content layer leaves empty module stubs in a static build's output.
  for (const stub of ['content-assets.mjs', 'content-modules.mjs']) rmSync(path.join(outDir, stub), { force: true });
  const bytes: Record<string, number> = {};
  for (const e of readdirSync(outDir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.html')) {
      const abs = path.join(e.parentPath, e.name);
      bytes[path.relative(outDir, abs).split(path.sep).join('/')] = statSync(abs).size;
    }
  }
  return { pages: Object.keys(bytes).length, bytes: Object.fromEntries(Object.entries(bytes).sort(([a], [b]) => a.localeCompare(b))) };
}
