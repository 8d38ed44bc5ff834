/** function_calls: the named function calls each of the named functions. */
import { describe, expect, it } from 'vitest';
import check from '../../controls/checks/function-calls.ts';
import { checkOf, failing } from './story.ts';
import * as F from './fact-fixtures.ts';

const { run, story } = checkOf(check);
const p = { file: 'platform/tools/tool-controls.ts', function: 'authorizeToolCall', calls: ['appendAuditEvent'] };

describe('function_calls', () => {
  story('clean → a required call missing → added', () => {
    const c = F.code();
    expect(run({ code: c }, p).status).toBe('pass');
    expect(failing(run({ code: c }, { ...p, calls: ['requireTier'] }))[0].reason).toBe('`authorizeToolCall` (platform/tools/tool-controls.ts:63) never calls `requireTier`.');
    c.functions[0].calls.push('requireTier');
    expect(run({ code: c }, { ...p, calls: ['requireTier'] }).status).toBe('pass');
  });

  it('a function that does not exist fails', () => {
    expect(run({ code: F.code() }, { ...p, function: 'gone' }).status).toBe('fail');
  });
});
