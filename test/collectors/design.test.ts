import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import design from '../../collectors/design.ts';
import { loadCatalog } from '../../controls/loader.ts';

const root = path.resolve(import.meta.dirname, '../..');

function catalogNaming(artifacts: { file: string; resource?: string; symbol?: string }[]) {
  return { controls: [{ id: 'c', artifacts }] } as never;
}

describe('design collector', () => {
  it('finds every artifact the real catalog names', async () => {
    const catalog = await loadCatalog(root);
    const facts = await design.collect({ root, catalog } as never);
    expect(facts.artifacts.length).toBeGreaterThan(20);
    expect(facts.artifacts.filter((a) => !a.found).map((a) => `${a.file}#${a.resource ?? a.symbol ?? ''}: ${a.missing}`)).toEqual([]);
  });

  it('resolves YAML addresses by structure, not by a mention in a comment', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'design-'));
    mkdirSync(path.join(dir, 'infra'));
    writeFileSync(
      path.join(dir, 'infra/k8s.yaml'),
      [
        '# NetworkPolicy/deny-all is planned; sources.app_log too; rule/shell is mentioned here',
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata:',
        '  name: other',
        '---',
        'apiVersion: networking.k8s.io/v1',
        'kind: NetworkPolicy',
        'metadata:',
        '  name: allow-dns',
        '',
      ].join('\n'),
    );
    writeFileSync(path.join(dir, 'infra/rules.yaml'), '- rule: shell_spawned\n  priority: WARNING\n');
    writeFileSync(path.join(dir, 'infra/vector.yaml'), 'sources:\n  app_log:\n    type: file\n');
    const facts = await design.collect({
      root: dir,
      catalog: catalogNaming([
        { file: 'infra/k8s.yaml', resource: 'NetworkPolicy/allow-dns' },
        { file: 'infra/k8s.yaml', resource: 'NetworkPolicy/deny-all' },
        { file: 'infra/k8s.yaml', resource: 'ConfigMap/allow-dns' },
        { file: 'infra/rules.yaml', resource: 'rule/shell_spawned' },
        { file: 'infra/rules.yaml', resource: 'rule/shell' },
        { file: 'infra/vector.yaml', resource: 'sources.app_log' },
        { file: 'infra/vector.yaml', resource: 'sources.other_log' },
      ]),
    } as never);
    const found = Object.fromEntries(facts.artifacts.map((a) => [`${a.file}#${a.resource}`, a.line]));
    expect(found).toEqual({
      'infra/k8s.yaml#NetworkPolicy/allow-dns': 7,
      'infra/k8s.yaml#NetworkPolicy/deny-all': null,
      'infra/k8s.yaml#ConfigMap/allow-dns': null,
      'infra/rules.yaml#rule/shell_spawned': 1,
      'infra/rules.yaml#rule/shell': null,
      'infra/vector.yaml#sources.app_log': 2,
      'infra/vector.yaml#sources.other_log': null,
    });
  });
});
