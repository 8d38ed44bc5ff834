/**
 * Pieces every OSCAL export shares: deterministic UUIDs, our property namespace,
 * value shaping for OSCAL's datatypes, metadata and back-matter resources.
 *
 * Determinism: every UUID is a v5 UUID of stable ids (control id, check index,
 * framework id, bundle SHA-256...) under a namespace derived from the organisation's
 * website, so the same catalog and platform state always give the same documents;
 * only timestamps (signedAt) differ between two runs.
 */
import { v5 as uuidv5 } from 'uuid';
import { InputError } from '../../platform/kernel/errors.ts';
import type { Bundle } from '../types.ts';

export const OSCAL_VERSION = '1.2.1';

/** What every builder needs besides the bundle: the envelope's facts and where bundle.json lives. */
export interface OscalContext {
  bundle: Bundle;
  /** ISO 8601 signing time from the DSSE envelope's in-toto Statement. */
  signedAt: string;
  /** SHA-256 (hex) of the exact bytes of bundle.json, as named by the envelope. */
  bundleSha256: string;
  /** Reference to bundle.json relative to the OSCAL documents (default `../bundle.json`). */
  bundleHref: string;
  /** Reference to the DSSE envelope relative to the OSCAL documents (default `../bundle.sig.json`). */
  envelopeHref: string;
}

export type Status = 'live' | 'designed' | 'roadmap';

export interface Prop {
  name: string;
  value: string;
  ns?: string;
  class?: string;
  group?: string;
  remarks?: string;
}
export interface Link {
  href: string;
  rel?: string;
  'media-type'?: string;
  text?: string;
}

/** OSCAL token: what ids such as control-id and target-id must look like. */
export const TOKEN = /^(\p{L}|_)(\p{L}|\p{N}|[.\-_])*$/u;

/**
 * Namespace URI for our own props. OSCAL reserves its default namespace for names it
 * defines, so ours live under the organisation's website.
 */
export function propNamespace(bundle: Bundle): string {
  const site = bundle.catalog.organisation.website.trim();
  let origin: string;
  try {
    origin = new URL(/^[a-z][a-z0-9+.-]*:/i.test(site) ? site : `https://${site}`).origin;
  } catch {
    throw new InputError(`bundle.json /catalog/organisation/website: "${site}" is not a URL; OSCAL needs it to name our property namespace`);
  }
  return `${origin}/ns/trust-evidence`;
}

/** Deterministic UUID factory for one bundle: v5 of the joined parts under the organisation's namespace. */
export function uuidFactory(bundle: Bundle): (...parts: string[]) => string {
  const root = uuidv5(propNamespace(bundle), uuidv5.URL);
  // U+001F (unit separator) cannot appear in our ids, so distinct part lists never collide.
  return (...parts) => uuidv5(parts.join('\u001f'), root);
}

/** OSCAL string and markup-line values: one line, no surrounding whitespace, never empty. */
export function oneLine(text: string, fallback = '-'): string {
  const s = text.replace(/\s+/g, ' ').trim();
  return s.length ? s : fallback;
}

/** A prop in our namespace. */
export function ourProp(ns: string, name: string, value: string, extra: Partial<Prop> = {}): Prop {
  return { name, ns, value: oneLine(value), ...extra };
}

/**
 * A framework criterion id as an OSCAL token (control-id, target ids). ISO 27001 Annex A
 * ids like `5.15` and GDPR article numbers start with a digit, which a token may not, so
 * they get their customary prefix (`A.5.15`, `Art.32`); the raw id is kept in a prop.
 * GDPR's prefix is `Art.` because that is how the Regulation is cited ("Art. 32 GDPR")
 * and how our catalog (controls/frameworks/gdpr.yaml) already writes its ids, so a
 * catalog id and a bare article number give the same token.
 */
export function criterionToken(framework: string, id: string): string {
  if (TOKEN.test(id)) return id;
  const prefix = framework === 'iso27001' ? 'A.' : framework === 'gdpr' ? 'Art.' : `${framework}_`;
  const token = `${prefix}${id}`.replace(/[^\p{L}\p{N}._-]/gu, '_');
  return TOKEN.test(token) ? token : `_${token}`;
}

/** OSCAL's implementation-status vocabulary for our statuses; designed is not yet proven to operate, so it is planned. */
export function implementationState(status: Status): 'implemented' | 'planned' {
  return status === 'live' ? 'implemented' : 'planned';
}

export function controlEvaluation(bundle: Bundle, control: string) {
  const evaluation = bundle.evaluations.find((e) => e.control === control);
  if (!evaluation) throw new InputError(`bundle.json /evaluations: no evaluation for control "${control}" of the catalog`);
  return evaluation;
}

/** The organisation as an OSCAL party; its UUID depends only on its name so it is the same in every document. */
export function organisationParty(bundle: Bundle, uuid: (...p: string[]) => string) {
  const org = bundle.catalog.organisation;
  const party: Record<string, unknown> = { uuid: uuid('party', org.name), type: 'organization', name: oneLine(org.name) };
  const website = /^[a-z][a-z0-9+.-]*:/i.test(org.website) ? org.website : `https://${org.website}`;
  party.links = [{ href: website, rel: 'website' }];
  // Contacts may be written as URIs (security.txt style: `mailto:...`); OSCAL wants bare addresses.
  const emails = [org.contact, org.disclosure.contact].map((c) => c.replace(/^mailto:/i, '')).filter((c, i, all) => /^[^@\s:]+@[^@\s]+\.[^@\s]+$/.test(c) && all.indexOf(c) === i);
  if (emails.length) party['email-addresses'] = emails;
  return party;
}

/** Props that tie a document to the signed bundle it was generated from. */
export function provenanceProps(ctx: OscalContext, ns: string): Prop[] {
  const { bundle } = ctx;
  return [
    ourProp(ns, 'bundle-sha256', ctx.bundleSha256),
    ourProp(ns, 'catalog-version', bundle.catalog.version),
    ourProp(ns, 'catalog-sha256', bundle.catalog.sha256),
    ourProp(ns, 'git-commit', bundle.platform.gitCommit),
    ourProp(ns, 'schema-version', bundle.platform.schemaVersion),
    ourProp(ns, 'development-signing-key', String(bundle.developmentSigningKey), {
      remarks: 'true means the bundle was signed with a key generated for development; do not rely on it for an audit.',
    }),
    ...bundle.catalog.mappings.map((m) => ourProp(ns, 'mapping-version', m.version, { class: m.framework })),
  ];
}

export function metadata(ctx: OscalContext, ns: string, uuid: (...p: string[]) => string, title: string, extraProps: Prop[] = []) {
  const party = organisationParty(ctx.bundle, uuid);
  return {
    title: oneLine(title),
    published: ctx.signedAt,
    'last-modified': ctx.signedAt,
    version: ctx.bundle.catalog.version,
    'oscal-version': OSCAL_VERSION,
    props: [...provenanceProps(ctx, ns), ...extraProps],
    roles: [{ id: 'prepared-by', title: 'Prepared By' }],
    parties: [party],
    'responsible-parties': [{ 'role-id': 'prepared-by', 'party-uuids': [party.uuid as string] }],
  };
}

/** Back-matter resources naming the signed bundle and its envelope with their hashes. */
export function bundleResources(ctx: OscalContext, uuid: (...p: string[]) => string) {
  return {
    bundle: {
      uuid: uuid('resource', 'bundle', ctx.bundleSha256),
      title: 'Signed evidence bundle',
      description: 'Canonical JSON (RFC 8785) of the catalog, the collected facts per collector with their SHA-256, and every check result. Verify it offline with `npx trust verify`.',
      rlinks: [{ href: ctx.bundleHref, 'media-type': 'application/json', hashes: [{ algorithm: 'SHA-256', value: ctx.bundleSha256 }] }],
    },
    envelope: {
      uuid: uuid('resource', 'envelope', ctx.bundleSha256),
      title: 'DSSE signature envelope of the evidence bundle',
      description: 'In-toto Statement naming bundle.json by SHA-256 with the signing time, signed with Ed25519.',
      rlinks: [{ href: ctx.envelopeHref, 'media-type': 'application/json' }],
    },
  };
}

/**
 * Where each framework is published, for the back-matter resources that stand for it: the
 * publisher's own public page and a bibliographic citation, so a tool (or a reader) can
 * resolve the `source` of a component's control implementation and the `target-resource`
 * of a mapping. None of the three publishes an OSCAL catalog, so there is nothing to
 * import; the criteria ids are cited as each publishes them.
 */
export const FRAMEWORK_REFERENCES: Record<string, { href: string; citation: string }> = {
  soc2: {
    href: 'https://www.aicpa-cima.com/resources/download/2017-trust-services-criteria-with-revised-points-of-focus-2022',
    citation:
      'AICPA, 2017 Trust Services Criteria for Security, Availability, Processing Integrity, Confidentiality, and Privacy (with Revised Points of Focus, 2022). American Institute of Certified Public Accountants, 2022.',
  },
  iso27001: {
    href: 'https://www.iso.org/standard/27001',
    citation:
      'ISO/IEC 27001:2022, Information security, cybersecurity and privacy protection - Information security management systems - Requirements. International Organization for Standardization, 2022.',
  },
  gdpr: {
    href: 'https://eur-lex.europa.eu/eli/reg/2016/679/oj',
    citation: 'Regulation (EU) 2016/679 of the European Parliament and of the Council of 27 April 2016 (General Data Protection Regulation), OJ L 119, 4.5.2016, p. 1-88.',
  },
};

/** A back-matter resource standing for a framework: cited, and linked to its publisher's page when we know it. */
export function frameworkResource(ctx: OscalContext, ns: string, uuid: (...p: string[]) => string, frameworkId: string) {
  const fw = ctx.bundle.catalog.frameworks.find((f) => f.id === frameworkId);
  if (!fw) throw new InputError(`bundle.json /catalog/mappings: mapping names framework "${frameworkId}", which /catalog/frameworks does not define`);
  const ref = FRAMEWORK_REFERENCES[fw.id];
  return {
    uuid: uuid('resource', 'framework', fw.id, fw.edition),
    title: oneLine(`${fw.name} (${fw.edition})`),
    description: `${fw.name}, edition ${fw.edition}. Criterion ids are cited as the framework publishes them; ids that are not OSCAL tokens carry a prefix and keep the published id in a \`criterion-id\` prop.`,
    props: [ourProp(ns, 'framework-id', fw.id), ourProp(ns, 'framework-edition', fw.edition)],
    citation: { text: oneLine(ref?.citation ?? `${fw.name}, ${fw.edition}.`) },
    ...(ref ? { rlinks: [{ href: ref.href, 'media-type': 'text/html' }] } : {}),
  };
}

/** A back-matter resource standing for our controls catalog inside the bundle. */
export function catalogResource(ctx: OscalContext, ns: string, uuid: (...p: string[]) => string) {
  const { catalog } = ctx.bundle;
  return {
    uuid: uuid('resource', 'catalog', catalog.version, catalog.sha256),
    title: oneLine(`${catalog.organisation.name} controls catalog ${catalog.version}`),
    description: 'The controls catalog the evidence was evaluated against (ids are the control ids used in every OSCAL document we publish).',
    props: [ourProp(ns, 'catalog-version', catalog.version), ourProp(ns, 'catalog-sha256', catalog.sha256)],
    rlinks: [{ href: `${ctx.bundleHref}#/catalog`, 'media-type': 'application/json' }],
  };
}
