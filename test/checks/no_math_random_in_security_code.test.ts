/** no_math_random_in_security_code: no Math.random in the security code directories. */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/no-math-random.ts';
import { checkOf, failing } from './story.ts';
import * as F from './fact-fixtures.ts';

const { run, story } = checkOf(check);

describe('no_math_random_in_security_code', () => {
  story('clean → Math.random in a judged directory → replaced', () => {
    const c = F.code();
    expect(run({ code: c }, { dirs: ['platform/crypto'] }).status).toBe('pass');
    expect(failing(run({ code: c }, { dirs: ['platform/demo'] }))[0].origin.line).toBe(3);
    c.mathRandom = [];
    expect(run({ code: c }, { dirs: ['platform/demo'] }).status).toBe('pass');
  });
});
