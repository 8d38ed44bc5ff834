/** vendor_sdks_published: every vendor SDK in the dependencies and every provider driver names a listed subprocessor (no self-attestation). */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/vendor-sdks-published.ts';
import { checkOf, failing } from './story.ts';
import type { DependenciesFacts } from '../../collectors/dependencies.ts';
import * as F from './fact-fixtures.ts';

const { run, story } = checkOf(check);

const deps = (): DependenciesFacts => ({
  sdks: [{ package: 'stripe', version: '^14.0.0', source: 'package.json dependencies', file: 'package.json', line: 12, vendor: 'Stripe', match: 'stripe' }],
  providers: [{ file: 'platform/provider/local.ts', name: 'local', vendor: null, match: null }],
  read: [
    { file: 'package.json', packages: 10 },
    { file: 'package-lock.json', packages: 200 },
  ],
});

describe('vendor_sdks_published', () => {
  story('clean → @sentry/node added, Sentry not listed → Sentry listed', () => {
    const c = F.config();
    c.organisation.subprocessors = [{ name: 'Stripe, Inc.', purpose: 'Payments', location: 'US', data: null }];
    expect(run({ dependencies: deps(), config: c }).status).toBe('pass');
    const d = deps();
    d.sdks.push({ package: '@sentry/node', version: '^8.0.0', source: 'package.json dependencies', file: 'package.json', line: 13, vendor: 'Sentry', match: 'sentry' });
    expect(failing(run({ dependencies: d, config: c }))[0].origin).toEqual({ resource: 'package:@sentry/node', file: 'package.json', line: 13 });
    c.organisation.subprocessors.push({ name: 'Functional Software, Inc. (Sentry)', purpose: 'Error reports', location: 'US', data: null });
    expect(run({ dependencies: d, config: c }).status).toBe('pass');
  });
});
