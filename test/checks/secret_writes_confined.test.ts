/** secret_writes_confined: only the allowed files write the secret tables, and they go through the crypto module. */
import { describe, expect, it } from 'vitest';
import check from '../../controls/checks/secret-writes-confined.ts';
import { checkOf, failing } from './story.ts';
import * as F from './fact-fixtures.ts';

const { run, story } = checkOf(check);
const p = { tables: ['oauth_connections'], allowedFiles: ['platform/oauth/connections.ts'] };

describe('secret_writes_confined', () => {
  story('clean → another module writes OAuth tokens → the write removed', () => {
    expect(run({ code: F.code() }, p).status).toBe('pass');
    const c = F.code();
    c.secretTableWrites.push({ file: 'platform/demo/run.ts', line: 5, table: 'oauth_connections', verb: 'UPDATE', importsCrypto: false });
    expect(failing(run({ code: c }, p))[0].origin).toEqual({ resource: 'file:platform/demo/run.ts', file: 'platform/demo/run.ts', line: 5 });
    c.secretTableWrites.pop();
    expect(run({ code: c }, p).status).toBe('pass');
  });

  it('an allowed file that does not import the crypto module fails', () => {
    const noCrypto = F.code();
    noCrypto.secretTableWrites[0].importsCrypto = false;
    expect(run({ code: noCrypto }, p).status).toBe('fail');
  });
});
