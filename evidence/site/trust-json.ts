/**
 * trust.json: every claim of the catalog in one machine-readable file, for the tools buyers
 * point at trust centers. Derived from the signed bundle and nothing else (plus the signing
 * time and the changelog written in the same run), so the gate writes it next to the bundle
 * and signs it with the same key, and the site checks its copy is exactly what this function
 * gives for the bundle it renders: the page badges and trust.json cannot disagree.
 *
 * Nothing here judges: `status` is the engine's `observed`, `verdict` its verdict.
 */
import { sign } from 'node:crypto';
import { canonicalBytes, contentHash, sha256Hex } from '../../platform/kernel/canonical.ts';
import type { Bundle, ControlEvaluation } from '../types.ts';
import type { SigningKey } from '../bundle/keys.ts';

export const TRUST_JSON_FORMAT = 'trust-center-claims/1';
/** How long a verification counts as fresh: the gate runs on every change and at least daily,
 *  so evidence a week old means the pipeline stopped, and a reader should treat it as stale. */
export const FRESH_FOR_DAYS = 7;
export const TRUST_PREDICATE_TYPE = 'https://harborcloud.example/ns/trust-evidence/trust-claims/v1';
const PAYLOAD_TYPE = 'application/vnd.in-toto+json';
const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';

/** The parts of changelog.json read here (written by evidence/mapping/releases.ts). */
export interface ChangelogLike {
  versions: { version: string; unreleased?: boolean; changes: { kind: string; control?: string; to?: unknown }[] }[];
}

export interface TrustClaim {
  id: string;
  title: string;
  category: string;
  /** What the evidence supports (the engine's `observed`): the badge on every page. */
  status: string;
  /** What the catalog claims. */
  claimed: string;
  verdict: string;
  /** Kinds of proof among the passing findings (structure, data, enforcement). */
  proof: string[];
  /** SHA-256 of the canonical JSON (RFC 8785) of this control's evaluation in the bundle. */
  evidenceSha256: string;
  /** Evidence parts its checks read, each with the SHA-256 the bundle records. */
  evidence: { collector: string; sha256: string }[];
  lastVerified: string;
  freshUntil: string;
  /** Catalog version since which the control has had this status, or "this run". */
  since: string;
  url: string;
}

export interface TrustJson {
  format: string;
  organisation: string;
  website: string;
  bundle: { url: string; sha256: string; signature: string; publicKey: string; publicKeySha256: string | null };
  catalogVersion: string;
  lastVerified: string;
  freshness: { freshForDays: number; freshUntil: string; note: string };
  counts: Record<string, number>;
  claims: TrustClaim[];
}

/** The kinds of proof a control's passing findings give, in a fixed order. */
export function proofKinds(e: ControlEvaluation): string[] {
  const seen = new Set<string>();
  for (const c of e.checks) for (const f of c.findings) if (f.status === 'pass' && f.kind) seen.add(f.kind);
  return ['structure', 'data', 'enforcement'].filter((k) => seen.has(k));
}

/**
 * Since which catalog version a control has had its observed status: the newest changelog
 * entry that moved it there (or added it, when no move followed). Entries of the current,
 * unreleased run, and controls the changelog does not name, say "this run".
 */
export function sinceOf(control: string, observed: string, changelog: ChangelogLike | null): string {
  if (!changelog) return 'this run';
  // versions are newest first
  for (const v of changelog.versions) {
    const hit = v.changes.find((c) => c.control === control && ((c.kind === 'observed_status' && c.to === observed) || c.kind === 'control_added'));
    if (hit) return v.unreleased ? 'this run' : `catalog ${v.version}`;
  }
  return 'this run';
}

export function buildTrustJson(i: { bundle: Bundle; bundleSha256: string; signedAt: Date; changelog: ChangelogLike | null; publicKeySha256: string | null }): TrustJson {
  const { bundle } = i;
  const at = i.signedAt.toISOString();
  const freshUntil = new Date(i.signedAt.getTime() + FRESH_FOR_DAYS * 86_400_000).toISOString();
  const site = bundle.catalog.organisation.website.replace(/\/$/, '');
  const byId = new Map(bundle.evaluations.map((e) => [e.control, e]));
  const claims: TrustClaim[] = [...bundle.catalog.controls]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((c) => {
      const e = byId.get(c.id);
      if (!e) throw new Error(`bundle has no evaluation for control "${c.id}"`);
      const collectors = [...new Set(e.checks.flatMap((k) => k.collectors))].sort();
      return {
        id: c.id,
        title: c.title,
        category: c.category,
        status: e.observed,
        claimed: e.claimed,
        verdict: e.verdict,
        proof: proofKinds(e),
        evidenceSha256: contentHash(e),
        evidence: collectors.filter((k) => bundle.parts[k]).map((k) => ({ collector: k, sha256: bundle.parts[k]!.sha256 })),
        lastVerified: at,
        freshUntil,
        since: sinceOf(c.id, e.observed, i.changelog),
        url: `${site}/controls/${c.id}/`,
      };
    });
  const counts: Record<string, number> = { live: 0, designed: 0, roadmap: 0 };
  for (const c of claims) counts[c.status] = (counts[c.status] ?? 0) + 1;
  return {
    format: TRUST_JSON_FORMAT,
    organisation: bundle.catalog.organisation.name,
    website: site,
    bundle: {
      url: `${site}/downloads/bundle.json`,
      sha256: i.bundleSha256,
      signature: `${site}/downloads/bundle.sig.json`,
      publicKey: `${site}/downloads/bundle.pub.pem`,
      publicKeySha256: i.publicKeySha256,
    },
    catalogVersion: bundle.catalog.version,
    lastVerified: at,
    freshness: {
      freshForDays: FRESH_FOR_DAYS,
      freshUntil,
      note: `Every claim was verified by one run of the evidence gate at lastVerified. Treat a claim as stale after freshUntil if no newer trust.json has been published.`,
    },
    counts,
    claims,
  };
}

/** The exact bytes of trust.json: indented, so a person can read it too. */
export function serializeTrustJson(t: TrustJson): Buffer {
  return Buffer.from(JSON.stringify(t, null, 2) + '\n', 'utf8');
}

/** DSSE v1 PAE (the same encoding as the bundle's envelope, evidence/bundle/dsse.ts). */
function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

/** trust.sig.json: a DSSE envelope over an in-toto Statement naming trust.json by SHA-256, signed with the evidence key. */
export function signTrustJson(bytes: Buffer, key: SigningKey, meta: { signedAt: Date; bundleSha256: string }): Buffer {
  const statement = {
    _type: STATEMENT_TYPE,
    subject: [{ name: 'trust.json', digest: { sha256: sha256Hex(bytes) } }],
    predicateType: TRUST_PREDICATE_TYPE,
    predicate: { signedAt: meta.signedAt.toISOString(), bundleSha256: meta.bundleSha256 },
  };
  const payload = canonicalBytes(statement);
  const sig = sign(null, pae(PAYLOAD_TYPE, payload), key.privateKey);
  return canonicalBytes({ payload: payload.toString('base64'), payloadType: PAYLOAD_TYPE, signatures: [{ keyid: key.keyid, sig: sig.toString('base64') }] });
}
