/**
 * The OSCAL documents' version-5 UUIDs made with node:crypto (evidence/oscal/uuid-v5.ts,
 * TRUST_OSCAL_UUID_V5) are the uuid package's, name for name, and a name with no UTF-8 (a lone
 * surrogate) is refused both ways.
 */
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';
import { UUID_V5_SWITCH, uuidV5Under } from '../../evidence/oscal/uuid-v5.ts';

const NAMES = [
  '',
  'result\u001fabc\u001f12',
  'finding\u001f' + 'ab'.repeat(32) + '\u001f4095\u001fresource_region_pinned',
  'contrôle é ü ß',
  'emoji \u{1f600} and CJK 漢字',
  'tab\tnewline\nnul\u0000',
  'x'.repeat(10_000),
  ...Array.from({ length: 200 }, (_, i) => `run ${i} ${randomUUID()}`),
];

describe('uuidV5Under', () => {
  for (const ns of [uuidv5.URL, uuidv5.DNS, uuidv5('https://harborcloud.example/ns/trust-evidence/period', uuidv5.URL), randomUUID()]) {
    it(`gives the uuid package's v5 for every name under ${ns}`, () => {
      const v5 = uuidV5Under(ns);
      for (const name of NAMES) expect(v5(name), JSON.stringify(name.slice(0, 40))).toBe(uuidv5(name, ns));
    });
  }

  it('refuses a lone surrogate as the package does, and the switch gives the package itself', () => {
    expect(() => uuidV5Under(uuidv5.URL)('a\ud800b')).toThrow(URIError);
    const saved = process.env[UUID_V5_SWITCH];
    process.env[UUID_V5_SWITCH] = '0';
    try {
      expect(() => uuidV5Under(uuidv5.URL)('a\udc00')).toThrow(URIError);
      expect(uuidV5Under(uuidv5.DNS)('x')).toBe(uuidv5('x', uuidv5.DNS));
    } finally {
      if (saved === undefined) delete process.env[UUID_V5_SWITCH];
      else process.env[UUID_V5_SWITCH] = saved;
    }
  });
});
