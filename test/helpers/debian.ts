/**
 * Files from Debian packages for tests that need real third-party schemas, without
 * installing the packages: `apt-get download` then `dpkg-deb -x` into .data/debian/<pkg>/
 * (git-ignored), so no service is configured or started. An installed package's own file
 * is used when present.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CACHE = path.join(ROOT, '.data', 'debian');

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

/**
 * The path of `file` (absolute, as the package installs it) from Debian package `pkg`,
 * or `{ skip }`: one line naming the command that would make it available.
 */
export function debianFile(pkg: string, file: string): { path: string } | { skip: string } {
  if (existsSync(file)) return { path: file };
  const dir = path.join(CACHE, pkg);
  const extracted = path.join(dir, file);
  if (existsSync(extracted)) return { path: extracted };
  const command = `apt-get update && apt-get install -y --no-install-recommends ${pkg}`;
  if (!has('apt-get') || !has('dpkg-deb')) return { skip: `${file} missing (Debian package ${pkg}); run: ${command}` };
  // A fresh staging folder, renamed into place once complete, so a killed run leaves nothing half-extracted.
  const staging = `${dir}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const download = () => spawnSync('apt-get', ['download', '-qq', pkg], { cwd: staging, stdio: 'ignore' }).status === 0;
  try {
    // A fresh machine has no package lists yet: refresh them (root only) and try again.
    if (!download() && !(isRoot() && spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore' }).status === 0 && download())) {
      return { skip: `${file} missing and \`apt-get download ${pkg}\` failed${isRoot() ? '' : ' (not root: no apt-get update)'}; run: ${command}` };
    }
    const deb = readdirSync(staging).find((f) => f.endsWith('.deb'));
    if (!deb) return { skip: `apt-get download ${pkg} gave no .deb; run: ${command}` };
    execFileSync('dpkg-deb', ['-x', path.join(staging, deb), staging]);
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return existsSync(extracted) ? { path: extracted } : { skip: `${pkg} does not ship ${file}; run: ${command}` };
}
