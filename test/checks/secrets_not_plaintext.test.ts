/**
 * secrets_not_plaintext (the generic profile, trust inspect; registered as a check): every column that stores a secret holds a hash, a ciphertext or a reference, judged on sampled values.
 * Detailed cases live in test/inspect/generic-checks.test.ts; here the story on the smelly schema.
 */
import { describe } from 'vitest';
import check from '../../controls/checks/secrets-not-plaintext.ts';
import { checkOf } from './story.ts';
import { smellySchemaStory } from './schema-fixtures.ts';

const { run, story } = checkOf(check);

describe('secrets_not_plaintext', () => {
  story('clean → a token column with nothing to show it is hashed → sampled: SHA-256 hashes', () => {
    smellySchemaStory(run, () => [{ schema: 'public', table: 'audit_log', column: 'api_token', key: null, sampled: 5, shapes: { 'hex-256bit': 5 }, type: 'text' }]);
  });
});
