/**
 * The dependencies collector: which third-party services the shipped code can send data
 * to, read from the real artifacts: `package.json` (runtime dependencies), the lockfile
 * `package-lock.json` (every non-dev package, transitive ones included) and the provider
 * drivers in `platform/provider/` (each names its provider). Packages and drivers are
 * mapped to the vendor that receives the data by the table below; whether that vendor is
 * a published subprocessor is the check's judgement (controls/checks/vendor-sdks-published.ts).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { defineCollector } from './types.ts';
import { byKey } from './sort.ts';

/**
 * Service SDKs: a package name pattern -> the vendor whose service it talks to. Only
 * packages whose purpose is sending data to that vendor's service belong here (a client
 * library for a protocol, such as `pg`, does not). `match` is how the vendor is written in
 * a legal entity name, lower case, so "Stripe, Inc." publishes `stripe`.
 */
export const VENDOR_SDKS: { pattern: RegExp; vendor: string; match: string }[] = [
  // Error tracking, product analytics, observability: they receive events, often with user data.
  { pattern: /^@sentry\//, vendor: 'Sentry', match: 'sentry' },
  { pattern: /^(posthog-(node|js)|@posthog\/)/, vendor: 'PostHog', match: 'posthog' },
  { pattern: /^(@segment\/|analytics-node$)/, vendor: 'Segment (Twilio)', match: 'segment' },
  { pattern: /^mixpanel(-browser)?$/, vendor: 'Mixpanel', match: 'mixpanel' },
  { pattern: /^(@amplitude\/|amplitude-js$)/, vendor: 'Amplitude', match: 'amplitude' },
  { pattern: /^(dd-trace|@datadog\/)/, vendor: 'Datadog', match: 'datadog' },
  { pattern: /^(newrelic|@newrelic\/)/, vendor: 'New Relic', match: 'new relic' },
  { pattern: /^(@bugsnag\/|bugsnag$)/, vendor: 'Bugsnag (SmartBear)', match: 'bugsnag' },
  { pattern: /^rollbar$/, vendor: 'Rollbar', match: 'rollbar' },
  { pattern: /^(@honeycombio\/|libhoney$)/, vendor: 'Honeycomb', match: 'honeycomb' },
  { pattern: /^(launchdarkly-|@launchdarkly\/)/, vendor: 'LaunchDarkly', match: 'launchdarkly' },
  // Payments, messaging, email: customer contact and billing data.
  { pattern: /^(stripe|@stripe\/)/, vendor: 'Stripe', match: 'stripe' },
  { pattern: /^twilio$/, vendor: 'Twilio', match: 'twilio' },
  { pattern: /^@sendgrid\//, vendor: 'SendGrid (Twilio)', match: 'sendgrid' },
  { pattern: /^postmark$/, vendor: 'Postmark', match: 'postmark' },
  { pattern: /^(mailgun\.js|mailgun-js)$/, vendor: 'Mailgun', match: 'mailgun' },
  { pattern: /^(intercom-client|@intercom\/)/, vendor: 'Intercom', match: 'intercom' },
  // AI model APIs: prompts and outputs.
  { pattern: /^openai$/, vendor: 'OpenAI', match: 'openai' },
  { pattern: /^@anthropic-ai\//, vendor: 'Anthropic', match: 'anthropic' },
  { pattern: /^(@google\/generative-ai|@google\/genai)$/, vendor: 'Google', match: 'google' },
  { pattern: /^(@mistralai\/|cohere-ai$)/, vendor: 'Mistral AI / Cohere', match: 'mistral' },
  // Cloud platforms: whatever the platform stores or runs there.
  { pattern: /^(@aws-sdk\/|aws-sdk$)/, vendor: 'Amazon Web Services', match: 'amazon' },
  { pattern: /^@google-cloud\//, vendor: 'Google Cloud', match: 'google' },
  { pattern: /^@azure\//, vendor: 'Microsoft Azure', match: 'microsoft' },
  { pattern: /^(hcloud-js|@hetznercloud\/)/, vendor: 'Hetzner', match: 'hetzner' },
  { pattern: /^(cloudflare$|@cloudflare\/)/, vendor: 'Cloudflare', match: 'cloudflare' },
  { pattern: /^backblaze-b2$/, vendor: 'Backblaze', match: 'backblaze' },
];

/** Provider drivers (`readonly name = '...'` in platform/provider/*.ts) -> the vendor they call. `local` calls nobody. */
export const PROVIDER_VENDORS: Record<string, { vendor: string; match: string } | null> = {
  local: null,
  hetzner: { vendor: 'Hetzner', match: 'hetzner' },
  aws: { vendor: 'Amazon Web Services', match: 'amazon' },
  gcp: { vendor: 'Google Cloud', match: 'google' },
  azure: { vendor: 'Microsoft Azure', match: 'microsoft' },
  digitalocean: { vendor: 'DigitalOcean', match: 'digitalocean' },
};

export const DependenciesFactsSchema = z.object({
  /** Every package that maps to a vendor, with where it was found. */
  sdks: z.array(
    z.object({
      package: z.string(),
      /** Version range (package.json) or resolved version (lockfile). */
      version: z.string(),
      /** `package.json dependencies`, `package.json optionalDependencies`, `package-lock.json`. */
      source: z.string(),
      file: z.string(),
      line: z.number().int().nullable(),
      vendor: z.string(),
      match: z.string(),
    }),
  ),
  /** Provider drivers, and the vendor each calls (null: none, or a name the table does not know: vendor "unknown"). */
  providers: z.array(z.object({ file: z.string(), name: z.string(), vendor: z.string().nullable(), match: z.string().nullable() })),
  /** How many runtime packages were read, per file (a zero says the file was missing or empty). */
  read: z.array(z.object({ file: z.string(), packages: z.number().int() })),
});
export type DependenciesFacts = z.output<typeof DependenciesFactsSchema>;

function lineOf(text: string, needle: string): number | null {
  const i = text.indexOf(needle);
  return i < 0 ? null : text.slice(0, i).split('\n').length;
}

export default defineCollector({
  id: 'dependencies',
  version: '1.0.0',
  description: 'Third-party service SDKs in package.json and package-lock.json, and the provider drivers, each with the vendor it sends data to.',
  needsDatabase: false,
  facts: DependenciesFactsSchema,
  async collect(ctx) {
    const sdks: DependenciesFacts['sdks'] = [];
    const read: DependenciesFacts['read'] = [];
    const vendorOf = (name: string) => VENDOR_SDKS.find((v) => v.pattern.test(name));
    const pkgFile = 'package.json';
    const pkgText = existsSync(path.join(ctx.root, pkgFile)) ? readFileSync(path.join(ctx.root, pkgFile), 'utf8') : '{}';
    const pkg = JSON.parse(pkgText) as Record<string, Record<string, string> | undefined>;
    let n = 0;
    // Runtime dependencies only: devDependencies do not ship with the platform.
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies']) {
      for (const [name, version] of Object.entries(pkg[field] ?? {})) {
        n++;
        const v = vendorOf(name);
        if (v) sdks.push({ package: name, version, source: `${pkgFile} ${field}`, file: pkgFile, line: lineOf(pkgText, `"${name}"`), vendor: v.vendor, match: v.match });
      }
    }
    read.push({ file: pkgFile, packages: n });
    const lockFile = 'package-lock.json';
    if (existsSync(path.join(ctx.root, lockFile))) {
      const lockText = readFileSync(path.join(ctx.root, lockFile), 'utf8');
      const lock = JSON.parse(lockText) as { packages?: Record<string, { version?: string; dev?: boolean }> };
      let m = 0;
      for (const [key, entry] of Object.entries(lock.packages ?? {})) {
        if (!key || entry.dev) continue; // the root entry; dev-only packages do not ship
        m++;
        const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
        const v = vendorOf(name);
        if (v) sdks.push({ package: name, version: entry.version ?? '?', source: lockFile, file: lockFile, line: lineOf(lockText, `"${key}"`), vendor: v.vendor, match: v.match });
      }
      read.push({ file: lockFile, packages: m });
    } else read.push({ file: lockFile, packages: 0 });
    const dir = path.join(ctx.root, 'platform', 'provider');
    const providers: DependenciesFacts['providers'] = [];
    for (const f of existsSync(dir)
      ? readdirSync(dir)
          .filter((x) => x.endsWith('.ts'))
          .sort()
      : []) {
      const m = /readonly\s+name\s*=\s*['"]([^'"]+)['"]/.exec(readFileSync(path.join(dir, f), 'utf8'));
      if (!m) continue; // the interface file, helpers
      const known = PROVIDER_VENDORS[m[1]];
      providers.push({ file: `platform/provider/${f}`, name: m[1], vendor: known === undefined ? 'unknown' : (known?.vendor ?? null), match: known?.match ?? null });
    }
    return {
      sdks: sdks.sort(byKey((s) => `${s.package}\u0000${s.source}`)),
      providers,
      read,
    };
  },
});
