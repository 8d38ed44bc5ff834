import { z } from 'zod';
import { defineCheck, type Finding } from './types.ts';
import type { ConfigFacts } from '../../collectors/config.ts';
import type { DependenciesFacts } from '../../collectors/dependencies.ts';
import { factsOf, fail, pass } from './helpers.ts';

/**
 * No unpublished subprocessor in the code: every vendor the shipped dependencies or the
 * provider drivers send data to is on the published subprocessor list. The published list
 * is the catalog's organisation block because that is what the site renders; the other
 * side is the real package.json, lockfile and driver sources, so the claim is not
 * self-attested.
 */
export default defineCheck({
  id: 'vendor_sdks_published',
  kind: 'structure',
  description: 'Every third-party service SDK in package.json and package-lock.json, and every provider driver, sends data only to a vendor on the published subprocessor list.',
  collectors: ['dependencies', 'config'],
  params: z.object({}).strict(),
  evaluate(facts) {
    const d = factsOf<DependenciesFacts>(facts, 'dependencies');
    const c = factsOf<ConfigFacts>(facts, 'config');
    const published = c.organisation.subprocessors.map((s) => s.name);
    const listed = (match: string) => published.find((n) => n.toLowerCase().includes(match));
    const out: Finding[] = [];
    for (const s of d.sdks) {
      const origin = { resource: `package:${s.package}`, file: s.file, ...(s.line ? { line: s.line } : {}) };
      const by = listed(s.match);
      out.push(
        by
          ? pass(`Package \`${s.package}\` (${s.source}) sends data to ${s.vendor}, published as subprocessor "${by}".`, origin, `${s.package}@${s.version}`)
          : fail(
              `Package \`${s.package}\` in ${s.source} sends data to ${s.vendor}, which is not a published subprocessor (${c.catalogFile} organisation.subprocessors).`,
              origin,
              `${s.package}@${s.version}`,
            ),
      );
    }
    for (const p of d.providers) {
      const origin = { resource: `file:${p.file}`, file: p.file };
      if (p.vendor === null) continue; // calls no third party (the local provider)
      const by = p.match ? listed(p.match) : undefined;
      out.push(
        by
          ? pass(`Provider driver \`${p.name}\` calls ${p.vendor}, published as subprocessor "${by}".`, origin)
          : fail(
              p.match
                ? `Provider driver \`${p.name}\` calls ${p.vendor}, which is not a published subprocessor.`
                : `Provider driver \`${p.name}\` calls a vendor the dependencies collector does not know; map it and publish it.`,
              origin,
            ),
      );
    }
    const missing = d.read.filter((r) => r.file === 'package.json' && r.packages === 0);
    for (const r of missing) out.push(fail(`\`${r.file}\` lists no runtime dependency, so nothing was read.`, { resource: `file:${r.file}`, file: r.file }));
    if (!out.some((f) => f.status === 'fail')) {
      out.push(
        pass(`Read ${d.read.map((r) => `${r.packages} runtime package(s) in \`${r.file}\``).join(' and ')}: no service SDK sends data to an unpublished vendor.`, {
          resource: 'file:package.json',
          file: 'package.json',
        }),
      );
    }
    return out;
  },
});
