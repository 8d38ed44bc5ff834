/** column_comment_contains: the column's comment says what it must (a design decision on record). */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/column-comment-contains.ts';
import { checkOf, failing } from './story.ts';
import { S, T, platformSchema } from './schema-fixtures.ts';

const { run, story } = checkOf(check);

describe('column_comment_contains', () => {
  story('clean → the comment removed → written again', () => {
    const p = { table: 'ssh_public_keys', column: 'public_key', text: 'not a secret' };
    const s = platformSchema();
    expect(run(S(s), p).status).toBe('pass');
    const comment = T(s, 'public.ssh_public_keys').columns[1].comment;
    T(s, 'public.ssh_public_keys').columns[1].comment = null;
    expect(failing(run(S(s), p))[0].observed).toBe('no comment');
    T(s, 'public.ssh_public_keys').columns[1].comment = comment;
    expect(run(S(s), p).status).toBe('pass');
  });
});
