#!/usr/bin/env node
// verify.mjs: checks a downloaded copy of the security site against its signed evidence.
// One file, Node 18 or newer, node:crypto and node:fs only, so a buyer can read all of it
// before running it (and so over the 400 lines the house allows a file: split, it could not
// be downloaded and read on its own). It checks:
//   1. downloads/bundle.json is what bundle.sig.json (DSSE, Ed25519) signed, with a key whose
//      SHA-256 fingerprint is the pinned one (--fingerprint, else the one pinned in this file);
//   2. trust.json is signed by the same key (trust.sig.json) and says, for every control,
//      exactly what the bundle's evaluation says;
//   3. every status badge on every HTML page says what the bundle says about its control;
//   4. the transparency log published with the site (log/, C2SP tlog-tiles, checkpoint as a
//      C2SP signed note, RFC 6962 / RFC 9162 hashing) holds the bundle (inclusion proof), and
//      grew from a checkpoint you kept, without rewriting it (consistency proof).
// Exit 0 when everything holds, 1 when something was tampered with or overclaims, 2 on bad input.
import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

// Replaced by the site build with the SHA-256 of the evidence signing key (DER SubjectPublicKeyInfo).
const PINNED_FINGERPRINT = null;

const HELP = `usage: node verify.mjs [--site DIR] [--checkpoint FILE] [--fingerprint SHA256] [--no-log]

Checks a downloaded copy of the security site (default: the current directory) against
the signed evidence bundle it publishes.

  --site DIR            the site's root directory (the one holding index.html, trust.json,
                        downloads/ and log/); may also be given as the only argument
  --checkpoint FILE     a transparency-log checkpoint you kept from an earlier visit
                        (log/checkpoint): the log must have grown from it, never been rewritten
  --fingerprint SHA256  the signing key's SHA-256 (of its DER public key) you pinned;
                        default: the one pinned in this file when the site was built
  --no-log              skip the transparency log (the result then says so)
  --help                this text

Exit status: 0 everything holds; 1 something was tampered with or a page overclaims;
2 bad input (missing files, unreadable arguments).`;

class Bad extends Error {} // exit 2
class Tampered extends Error {} // exit 1

const sha256 = (b) => createHash('sha256').update(b).digest();
const hex = (b) => Buffer.from(b).toString('hex');

function parseArgs(argv) {
  const o = { site: null, checkpoint: null, fingerprint: null, log: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Bad(`${a} needs a value`);
      return argv[++i];
    };
    if (a === '--help' || a === '-h') o.help = true;
    else if (a === '--site') o.site = value();
    else if (a === '--checkpoint') o.checkpoint = value();
    else if (a === '--fingerprint') o.fingerprint = value().toLowerCase();
    else if (a === '--no-log') o.log = false;
    else if (!a.startsWith('-') && o.site === null) o.site = a;
    else throw new Bad(`unknown argument ${a} (see --help)`);
  }
  o.site = path.resolve(o.site ?? '.');
  return o;
}

function read(file, what) {
  if (!existsSync(file)) throw new Bad(`${file}: missing (${what})`);
  return readFileSync(file);
}

function json(buf, file) {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (e) {
    throw new Bad(`${file}: not JSON (${e.message})`);
  }
}

/** RFC 8785 canonical JSON for the values JSON.parse gives (keys sorted by UTF-16 code units). */
function canonical(v) {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

/** DSSE v1 pre-authentication encoding. */
function pae(type, payload) {
  const t = Buffer.from(type, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${t.length} `), t, Buffer.from(` ${payload.length} `), payload]);
}

/** Verifies a DSSE envelope with the key; returns the statement. Throws Tampered when it does not verify or names other bytes. */
function openEnvelope(envBuf, file, key, subjectBytes) {
  const env = json(envBuf, file);
  if (typeof env.payload !== 'string' || typeof env.payloadType !== 'string' || !Array.isArray(env.signatures)) throw new Bad(`${file}: not a DSSE envelope`);
  const payload = Buffer.from(env.payload, 'base64');
  const signed = env.signatures.some((s) => typeof s.sig === 'string' && verifySignature(null, pae(env.payloadType, payload), key, Buffer.from(s.sig, 'base64')));
  if (!signed) throw new Tampered(`${file}: the signature does not verify with the pinned key`);
  let statement;
  try {
    statement = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new Tampered(`${file}: the signed payload is not JSON`);
  }
  const digest = hex(sha256(subjectBytes));
  if (!(statement.subject ?? []).some((s) => s?.digest?.sha256 === digest)) throw new Tampered(`${file}: the signed statement names another file than the one published (its SHA-256 is ${digest})`);
  return statement;
}

// ------------------------------------------------------------------------------------------
// Transparency log: C2SP signed-note, tlog-checkpoint and tlog-tiles; RFC 9162 proofs.

const EM_DASH = '\u2014';
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

function rawKey(key) {
  const der = key.export({ type: 'spki', format: 'der' });
  if (key.asymmetricKeyType !== 'ed25519' || der.length !== 44 || !der.subarray(0, 12).equals(SPKI_ED25519)) throw new Bad('the signing key is not Ed25519');
  return der.subarray(12);
}

/** Opens a signed checkpoint note with the pinned key (key name = the checkpoint's origin). */
function openCheckpoint(note, file, key) {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new Bad(`${file}: not a signed note`);
  const text = note.slice(0, split + 1);
  const lines = text.split('\n');
  lines.pop();
  const [origin, sizeText, rootText] = lines;
  if (!origin || !/^(0|[1-9][0-9]*)$/.test(sizeText ?? '') || Buffer.from(rootText ?? '', 'base64').length !== 32) throw new Bad(`${file}: not a checkpoint (origin, size, root hash)`);
  const id = sha256(Buffer.concat([Buffer.from(origin, 'utf8'), Buffer.from([0x0a, 0x01]), rawKey(key)])).subarray(0, 4);
  let ok = false;
  for (const line of note.slice(split + 2, -1).split('\n')) {
    const m = new RegExp(`^${EM_DASH} (\\S+) ([A-Za-z0-9+/=]+)$`, 'u').exec(line);
    if (!m || m[1] !== origin) continue;
    const raw = Buffer.from(m[2], 'base64');
    if (raw.length === 68 && raw.subarray(0, 4).equals(id)) {
      if (!verifySignature(null, Buffer.from(text, 'utf8'), key, raw.subarray(4))) throw new Tampered(`${file}: the checkpoint signature does not verify`);
      ok = true;
    }
  }
  if (!ok) throw new Tampered(`${file}: the checkpoint is not signed by the pinned key under the name ${origin}`);
  return { origin, size: Number(sizeText), root: Buffer.from(rootText, 'base64') };
}

const leafHash = (data) => sha256(Buffer.concat([Buffer.from([0]), data]));
const nodeHash = (l, r) => sha256(Buffer.concat([Buffer.from([1]), l, r]));
const EMPTY = sha256(Buffer.alloc(0));

function encodeIndex(n) {
  const groups = [];
  do {
    groups.unshift(String(n % 1000).padStart(3, '0'));
    n = Math.floor(n / 1000);
  } while (n > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}
const tileName = (kind, index, width) => `tile/${kind}/${encodeIndex(index)}${width < 256 ? `.p/${width}` : ''}`;

/** Complete-subtree hashes read from the published hash tiles of a tree of `size` leaves. */
function tileSource(dir, size) {
  const cache = new Map();
  const tile = (t, index) => {
    const full = Math.floor(size / 256 ** (t + 1));
    const width = index < full ? 256 : Math.floor(size / 256 ** t) % 256;
    const name = tileName(t, index, width);
    let data = cache.get(name);
    if (!data) {
      const file = path.join(dir, name);
      if (!existsSync(file)) throw new Tampered(`log/${name} is missing for a tree of ${size} entries`);
      data = readFileSync(file);
      if (data.length !== width * 32) throw new Tampered(`log/${name} holds ${data.length} bytes, expected ${width * 32}`);
      cache.set(name, data);
    }
    return data;
  };
  const node = (level, index) => {
    const t = Math.floor(level / 8);
    const r = level % 8;
    const first = index * 2 ** r;
    const data = tile(t, Math.floor(first / 256));
    const offset = first % 256;
    if ((offset + 2 ** r) * 32 > data.length) throw new Tampered(`log: node ${level}/${index} is not in the tiles`);
    let row = [];
    for (let i = 0; i < 2 ** r; i++) row.push(data.subarray((offset + i) * 32, (offset + i + 1) * 32));
    while (row.length > 1) {
      const next = [];
      for (let i = 0; i < row.length; i += 2) next.push(nodeHash(row[i], row[i + 1]));
      row = next;
    }
    return row[0];
  };
  return { node };
}

const split = (n) => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};
const pow2 = (n) => n > 0 && (n & (n - 1)) === 0;

/** MTH(D[start:end]) from complete subtrees (RFC 9162 2.1.1). */
function rangeHash(src, start, end) {
  const n = end - start;
  if (n <= 0) return EMPTY;
  if (pow2(n) && start % n === 0) return src.node(Math.log2(n), start / n);
  const k = split(n);
  return nodeHash(rangeHash(src, start, start + k), rangeHash(src, start + k, end));
}

/** PATH(m, D[start:end]), RFC 9162 2.1.3.1. */
function inclusionPath(src, m, start, end, out = []) {
  const n = end - start;
  if (n <= 1) return out;
  const k = split(n);
  if (m < k) {
    inclusionPath(src, m, start, start + k, out);
    out.push(rangeHash(src, start + k, end));
  } else {
    inclusionPath(src, m - k, start + k, end, out);
    out.push(rangeHash(src, start, start + k));
  }
  return out;
}

/** SUBPROOF(m, D[start:end], b), RFC 9162 2.1.4.1. */
function subproof(src, m, start, end, b, out = []) {
  const n = end - start;
  if (m === n) {
    if (!b) out.push(rangeHash(src, start, end));
    return out;
  }
  const k = split(n);
  if (m <= k) {
    subproof(src, m, start, start + k, b, out);
    out.push(rangeHash(src, start + k, end));
  } else {
    subproof(src, m - k, start + k, end, false, out);
    out.push(rangeHash(src, start, start + k));
  }
  return out;
}

/** RFC 9162 2.1.3.2. */
function verifyInclusion(index, size, leaf, proof, root) {
  if (index < 0 || index >= size) return false;
  let fn = index,
    sn = size - 1,
    r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0)
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
    } else r = nodeHash(r, p);
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.equals(root);
}

/** RFC 9162 2.1.4.2. */
function verifyConsistency(size1, size2, proof, root1, root2) {
  if (size1 <= 0 || size2 < size1) return false;
  if (size1 === size2) return proof.length === 0 && root1.equals(root2);
  if (proof.length === 0) return false;
  const p = pow2(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1,
    sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = p[0],
    sr = p[0];
  for (const c of p.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0)
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
    } else sr = nodeHash(sr, c);
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && fr.equals(root1) && sr.equals(root2);
}

/** The entries of the log, read from its entry bundles (uint16 length-prefixed). */
function* entries(dir, size) {
  for (let i = 0; i * 256 < size; i++) {
    const width = Math.min(256, size - i * 256);
    const name = tileName('entries', i, width);
    const file = path.join(dir, name);
    if (!existsSync(file)) throw new Tampered(`log/${name} is missing`);
    const data = readFileSync(file);
    let at = 0,
      n = 0;
    while (at < data.length) {
      if (at + 2 > data.length) throw new Tampered(`log/${name} is truncated`);
      const len = data.readUInt16BE(at);
      if (at + 2 + len > data.length) throw new Tampered(`log/${name} is truncated`);
      yield { index: i * 256 + n, entry: data.subarray(at + 2, at + 2 + len) };
      at += 2 + len;
      n++;
    }
    if (n !== width) throw new Tampered(`log/${name} holds ${n} entries, expected ${width}`);
  }
}

function checkLog(o, key, bundle, bundleSha256, say) {
  const dir = path.join(o.site, 'log');
  const cpFile = path.join(dir, 'checkpoint');
  if (!o.log) {
    say('transparency log: skipped (--no-log)');
    return;
  }
  if (!existsSync(cpFile)) throw new Tampered('the site publishes no transparency log (log/checkpoint); pass --no-log to check the rest without it');
  const cp = openCheckpoint(readFileSync(cpFile, 'utf8'), 'log/checkpoint', key);
  const src = tileSource(dir, cp.size);
  let found = null;
  for (const e of entries(dir, cp.size)) {
    let leaf;
    try {
      leaf = JSON.parse(e.entry.toString('utf8'));
    } catch {
      continue;
    }
    if (leaf?.kind === 'bundle' && leaf.bundleSha256 === bundleSha256) {
      found = { ...e, leaf };
      break;
    }
  }
  if (!found) throw new Tampered(`the transparency log (${cp.size} entries) holds no entry for bundle ${bundleSha256}`);
  const rows = bundle.evaluations
    .map((e) => ({ control: e.control, claimed: e.claimed, observed: e.observed, verdict: e.verdict }))
    .sort((a, b) => (a.control < b.control ? -1 : a.control > b.control ? 1 : 0));
  const verdicts = hex(sha256(Buffer.from(canonical(rows), 'utf8')));
  if (found.leaf.verdictsSha256 !== verdicts || found.leaf.controls !== bundle.evaluations.length) throw new Tampered(`log entry ${found.index} records other verdicts than the bundle's`);
  const proof = inclusionPath(src, found.index, 0, cp.size);
  if (!verifyInclusion(found.index, cp.size, leafHash(found.entry), proof, cp.root))
    throw new Tampered(`log entry ${found.index} (this bundle) is not included in the signed checkpoint of size ${cp.size}: the log was rewritten`);
  say(`transparency log: bundle is entry ${found.index} of ${cp.size}, inclusion proof verifies against the signed checkpoint (${proof.length} hashes)`);
  if (!o.checkpoint) {
    say('consistency: not checked (keep log/checkpoint and pass it as --checkpoint next time)');
    return;
  }
  const kept = openCheckpoint(read(path.resolve(o.checkpoint), 'the checkpoint you kept').toString('utf8'), o.checkpoint, key);
  if (kept.origin !== cp.origin) throw new Tampered(`your checkpoint is of log ${kept.origin}, the site's of ${cp.origin}`);
  if (kept.size > cp.size) throw new Tampered(`the site's log (${cp.size} entries) is older than your checkpoint (${kept.size}): rolled back`);
  const cproof = kept.size === cp.size ? [] : subproof(src, kept.size, 0, cp.size, true);
  if (!verifyConsistency(kept.size, cp.size, cproof, kept.root, cp.root)) throw new Tampered(`the log is not an extension of your checkpoint (size ${kept.size}): it was rewritten`);
  say(`consistency: the log grew from your checkpoint (size ${kept.size}) to ${cp.size} without rewriting it`);
}

// ------------------------------------------------------------------------------------------
// Badges: every `.badge` element the site renders (site/lib/html.ts): class badge-<status>,
// data-status, the visible word, and data-control naming the control it is about.

const BADGE = /<span\b([^>]*\bclass="badge\b[^"]*"[^>]*)>\s*(?:<span\b[^>]*>[^<]*<\/span>)?\s*([^<]*)<\/span>/g;
const attr = (attrs, name) => new RegExp(`\\b${name}="([^"]*)"`).exec(attrs)?.[1];

function htmlFiles(dir, out = []) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) htmlFiles(p, out);
    else if (e.name.endsWith('.html')) out.push(p);
  }
  return out;
}

function checkBadges(o, observed) {
  const problems = [];
  let n = 0;
  const files = htmlFiles(o.site);
  if (files.length === 0) throw new Bad(`${o.site}: no HTML page; is this the site's root directory?`);
  for (const file of files) {
    const html = readFileSync(file, 'utf8');
    const rel = path.relative(o.site, file);
    const about = new Set();
    for (const m of html.matchAll(BADGE)) {
      n++;
      const cls = /\bbadge-(\w+)/.exec(attr(m[1], 'class') ?? '')?.[1];
      const status = attr(m[1], 'data-status');
      const word = /\b(live|designed|roadmap|stale)\b/i.exec(m[2])?.[1]?.toLowerCase();
      const control = attr(m[1], 'data-control');
      if (cls !== status || word !== status) problems.push(`${rel}: a badge reads "${m[2].trim()}" with class ${cls} and data-status ${status}`);
      if (control === undefined) continue;
      about.add(control);
      if (!observed.has(control)) problems.push(`${rel}: a badge names control ${control}, which the bundle does not have`);
      else for (const s of new Set([cls, status, word])) if (s !== observed.get(control)) problems.push(`${rel}: badge of ${control} says ${s}, the bundle observed ${observed.get(control)}`);
    }
    const page = /(?:^|[\\/])controls[\\/]([^\\/]+)[\\/]index\.html$/.exec(rel)?.[1];
    if (page && observed.has(page) && !about.has(page)) problems.push(`${rel}: the control's page carries no badge naming it`);
  }
  if (problems.length) throw new Tampered(`${problems.length} badge(s) disagree with the signed bundle, e.g. ${problems[0]}`);
  return { badges: n, pages: files.length };
}

// ------------------------------------------------------------------------------------------

function run(o, say) {
  const dl = path.join(o.site, 'downloads');
  const bundleBytes = read(path.join(dl, 'bundle.json'), 'the evidence bundle');
  const pem = read(path.join(dl, 'bundle.pub.pem'), 'the public key');
  let key;
  try {
    key = createPublicKey(pem);
  } catch (e) {
    throw new Bad(`downloads/bundle.pub.pem: not a public key (${e.message})`);
  }
  const fingerprint = hex(sha256(key.export({ type: 'spki', format: 'der' })));
  const pinned = o.fingerprint ?? PINNED_FINGERPRINT;
  if (!pinned) throw new Bad('no key fingerprint pinned: pass --fingerprint with the SHA-256 you trust');
  if (!/^[0-9a-f]{64}$/.test(pinned)) throw new Bad(`--fingerprint ${pinned}: expected 64 hex digits`);
  if (fingerprint !== pinned) throw new Tampered(`downloads/bundle.pub.pem has fingerprint ${fingerprint}, not the pinned ${pinned}`);
  say(`key: ${fingerprint} is the pinned one${o.fingerprint ? '' : ' (pinned in this verify.mjs)'}`);

  const statement = openEnvelope(read(path.join(dl, 'bundle.sig.json'), 'the bundle signature'), 'downloads/bundle.sig.json', key, bundleBytes);
  const bundleSha256 = hex(sha256(bundleBytes));
  say(`bundle: downloads/bundle.json (sha256 ${bundleSha256}) is what the key signed at ${statement.predicate?.signedAt ?? '?'}`);
  const bundle = json(bundleBytes, 'downloads/bundle.json');
  if (!Array.isArray(bundle.evaluations)) throw new Bad('downloads/bundle.json: no evaluations');
  const observed = new Map(bundle.evaluations.map((e) => [e.control, e.observed]));

  const trustBytes = read(path.join(o.site, 'trust.json'), 'the machine-readable claims');
  openEnvelope(read(path.join(o.site, 'trust.sig.json'), 'the signature of trust.json'), 'trust.sig.json', key, trustBytes);
  const copy = path.join(dl, 'trust.json');
  if (existsSync(copy) && !readFileSync(copy).equals(trustBytes)) throw new Tampered('downloads/trust.json differs from /trust.json');
  const trust = json(trustBytes, 'trust.json');
  if (trust.bundle?.sha256 !== bundleSha256) throw new Tampered(`trust.json names bundle ${trust.bundle?.sha256}, not the published one`);
  const claims = new Map();
  for (const c of trust.claims ?? []) {
    if (claims.has(c.id)) throw new Tampered(`trust.json lists ${c.id} twice`);
    claims.set(c.id, c);
  }
  for (const e of bundle.evaluations) {
    const c = claims.get(e.control);
    if (!c) throw new Tampered(`trust.json has no entry for ${e.control}`);
    if (c.status !== e.observed || c.claimed !== e.claimed || c.verdict !== e.verdict)
      throw new Tampered(`trust.json says ${e.control} is ${c.status} (claimed ${c.claimed}), the bundle observed ${e.observed} (claimed ${e.claimed})`);
    const digest = hex(sha256(Buffer.from(canonical(e), 'utf8')));
    if (c.evidenceSha256 !== digest) throw new Tampered(`trust.json's evidence digest of ${e.control} is not the bundle's evaluation (${digest})`);
    claims.delete(e.control);
  }
  if (claims.size) throw new Tampered(`trust.json has entries the bundle does not: ${[...claims.keys()].join(', ')}`);
  say(`trust.json: signed by the same key; ${bundle.evaluations.length} entries equal the bundle's verdicts and evidence digests`);

  const b = checkBadges(o, observed);
  say(`badges: ${b.badges} badges on ${b.pages} pages agree with the bundle`);
  checkLog(o, key, bundle, bundleSha256, say);
}

function main() {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`verify.mjs: ${e.message}\n`);
    return 2;
  }
  if (o.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  if (!existsSync(o.site) || !statSync(o.site).isDirectory()) {
    process.stderr.write(`verify.mjs: ${o.site}: not a directory\n`);
    return 2;
  }
  const say = (m) => process.stdout.write(`ok  ${m}\n`);
  try {
    run(o, say);
  } catch (e) {
    if (e instanceof Tampered) {
      process.stdout.write(`FAIL ${e.message}\n`);
      return 1;
    }
    if (e instanceof Bad) {
      process.stderr.write(`verify.mjs: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`verify.mjs: ${e.stack ?? e}\n`);
    return 2;
  }
  process.stdout.write('verified: the site says what the signed evidence says\n');
  return 0;
}

// The proof functions are exported so the tests can hold them against the log library
// (evidence/tlog); run as a program, the file verifies a site.
export { canonical, tileSource, inclusionPath, subproof, verifyInclusion, verifyConsistency, leafHash, rangeHash };
const invoked = (() => {
  try {
    return import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
})();
if (invoked) process.exitCode = main();
