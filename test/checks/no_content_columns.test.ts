/** no_content_columns: no column of any table may hold request or response content (by name, and unbounded text where named). */
import { describe, expect } from 'vitest';
import check from '../../controls/checks/no-content-columns.ts';
import { checkOf, failing } from './story.ts';
import { S, T, platformSchema } from './schema-fixtures.ts';

const { run, story } = checkOf(check);

describe('no_content_columns', () => {
  story('clean → a text and a prompt column on the usage table → dropped', () => {
    const params = { columnPattern: 'body|prompt', unboundedTextIn: '^public\\.llm_usage_daily$' };
    const s = platformSchema();
    expect(run(S(s), params).status).toBe('pass');
    T(s, 'public.llm_usage_daily').columns.push(
      { name: 'notes', type: 'text', notNull: false, default: null, comment: null },
      { name: 'prompt', type: 'character varying(100)', notNull: false, default: null, comment: null },
    );
    expect(failing(run(S(s), params)).map((f) => f.origin.resource)).toEqual(['column:public.llm_usage_daily.notes', 'column:public.llm_usage_daily.prompt']);
    T(s, 'public.llm_usage_daily').columns.splice(-2, 2);
    expect(run(S(s), params).status).toBe('pass');
  });

  story('clean → a body column on a table no pattern names (every table is in scope) → allowed with a reason', () => {
    const other = platformSchema();
    expect(run(S(other), { columnPattern: 'body|response' }).status).toBe('pass');
    T(other, 'public.agents').columns.push(
      { name: 'request_body', type: 'jsonb', notNull: false, default: null, comment: null },
      { name: 'response_ms', type: 'integer', notNull: false, default: null, comment: null },
    );
    expect(failing(run(S(other), { columnPattern: 'body|response' })).map((f) => f.origin.resource)).toEqual(['column:public.agents.request_body']);
    expect(run(S(other), { columnPattern: 'body|response', allow: [{ column: 'public.agents.request_body', reason: 'a reason long enough' }] }).status).toBe('pass');
  });
});
