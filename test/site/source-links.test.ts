/** Repository paths on the site link to their source at the commit the bundle names. */
import { describe, expect, it } from 'vitest';
import type { Bundle } from '../../evidence/types.ts';
import { sourceUrl } from '../../site/lib/evidence.ts';

const bundle = (repository: string | undefined, gitCommit: string) => ({ catalog: { organisation: { repository } }, platform: { gitCommit } }) as unknown as Bundle;
const COMMIT = '67ca953218f6d8fb7246363b8177ffdafa43181a';

describe('source links', () => {
  it('points at the file and line at the bundle commit', () => {
    expect(sourceUrl(bundle('https://git.example/acme/trust', COMMIT), 'platform/crypto/keyring.ts', 42)).toBe(`https://git.example/acme/trust/blob/${COMMIT}/platform/crypto/keyring.ts#L42`);
    expect(sourceUrl(bundle('https://git.example/acme/trust', COMMIT), 'platform/infra/a b.tf')).toBe(`https://git.example/acme/trust/blob/${COMMIT}/platform/infra/a%20b.tf`);
  });

  it('stays plain text without a repository or a known commit', () => {
    expect(sourceUrl(bundle(undefined, COMMIT), 'x.ts')).toBeUndefined();
    expect(sourceUrl(bundle('https://git.example/acme/trust', 'unknown'), 'x.ts')).toBeUndefined();
  });
});
