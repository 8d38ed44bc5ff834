import { describe, expect, it } from 'vitest';
import { evaluateCatalog } from '../../evidence/evaluate.ts';
import { buildBundle } from '../../evidence/bundle/build.ts';
import { buildMapping, type MappingFile } from '../../evidence/mapping/mapping.ts';
import { diffMappings, renderDiffText } from '../../evidence/mapping/diff.ts';
import { buildChangelog } from '../../evidence/mapping/releases.ts';
import { compareWithBaseline } from '../../evidence/mapping/baseline.ts';
import type { Control } from '../../controls/types.ts';
import { fixtureCatalog, fixtureChecks, fixtureControls, fixtureParts, type FixtureState } from '../fixtures/evidence/fixture.ts';

const PLATFORM = { schemaVersion: '0003_audit', postgresVersion: '17.2', gitCommit: 'abc' };

export function mappingFor(state: FixtureState = {}, controls: Control[] = fixtureControls(), version = '1.0.0'): MappingFile {
  const catalog = fixtureCatalog(controls, version);
  const parts = fixtureParts(state);
  const { evaluations, summary } = evaluateCatalog(catalog, parts, { findCheck: (id) => fixtureChecks.find((c) => c.id === id) });
  return buildMapping(buildBundle({ catalog, parts, evaluations, summary, platform: PLATFORM, developmentSigningKey: false }), 'b'.repeat(64));
}

/** 1.1.0: a control added, one removed, a claim promoted, a criterion moved, soc2 mapping bumped. */
function nextCatalog(): Control[] {
  const list = fixtureControls()
    .filter((c) => c.id !== 'vm_disks_encrypted')
    .map((c) => (c.id === 'keys_rotated' ? { ...c, status: 'live' as const, artifacts: [] } : c));
  list.push({ ...fixtureControls()[0], id: 'agent_region_pinned', title: 'Agents stay in their region', checks: [{ check: 'fixture_flag', params: { key: 'tokens_encrypted' } }] });
  return list;
}

describe('mapping', () => {
  it('lists every control with criteria per framework, claimed and observed status, stamped', () => {
    const m = mappingFor();
    expect(m).toMatchObject({
      format: 'trust-controls-mapping/1',
      catalogVersion: '1.0.0',
      bundleSha256: 'b'.repeat(64),
      mappings: [
        { framework: 'iso27001', version: '1.0.0' },
        { framework: 'soc2', version: '1.0.0' },
      ],
    });
    expect(m.controls.find((c) => c.id === 'tokens_encrypted')).toEqual({
      id: 'tokens_encrypted',
      title: 'OAuth tokens are encrypted at rest',
      claimed: 'live',
      observed: 'live',
      verdict: 'holds',
      contentSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      criteria: { iso27001: ['A.8.24'], soc2: ['CC6.1'] },
    });
  });
});

describe('diff', () => {
  it('golden: controls added and removed, status and mapping changes, catalog version', async () => {
    const old = mappingFor();
    const now = mappingFor({ rotation: true, tokensEncrypted: false }, nextCatalog(), '1.1.0');
    // The 1.1.0 mapping also maps keys_rotated to SOC 2 CC7.2, in a new soc2 mapping version.
    now.controls.find((c) => c.id === 'keys_rotated')!.criteria.soc2 = ['CC6.1', 'CC7.2'];
    now.mappings = now.mappings.map((m) => (m.framework === 'soc2' ? { ...m, version: '1.1.0' } : m));
    const d = diffMappings(old, now);
    await expect(renderDiffText(d)).toMatchFileSnapshot('golden/diff.txt');
    await expect(JSON.stringify(d, null, 2) + '\n').toMatchFileSnapshot('golden/diff.json');
    expect(d.catalogVersionChanged).toBe(true);
  });

  it('a reworded control shows as a changed definition; mappings recorded without hashes compare as before', () => {
    const old = mappingFor();
    const reworded = fixtureControls().map((c) => (c.id === 'tokens_encrypted' ? { ...c, description: `${c.description} Reworded.` } : c));
    const now = mappingFor({}, reworded, '1.0.1');
    expect(diffMappings(old, now).changes).toEqual([{ kind: 'control_changed', control: 'tokens_encrypted' }]);
    expect(renderDiffText(diffMappings(old, now))).toContain('~ tokens_encrypted definition changed');
    const legacy = { ...old, controls: old.controls.map(({ contentSha256: _, ...c }) => c) };
    expect(diffMappings(legacy, now).changes).toEqual([]);
  });

  it('no changes between identical mappings', () => {
    const d = diffMappings(mappingFor(), mappingFor());
    expect(d.changes).toEqual([]);
    expect(renderDiffText(d)).toContain('no changes');
  });
});

describe('changelog', () => {
  it('diffs consecutive releases and marks the current run unreleased when its catalog is new', () => {
    const r1 = mappingFor();
    const current = mappingFor({}, nextCatalog(), '1.1.0');
    const log = buildChangelog([r1], current);
    // 1.1.0: added, removed, promoted (claimed and observed), keys_rotated's artifacts dropped
    expect(log.versions.map((v) => [v.version, v.unreleased, v.changes.length])).toEqual([
      ['1.1.0', true, 5],
      ['1.0.0', false, 7],
    ]);
    expect(log.versions[1].changes.map((c) => c.kind)).toEqual([...Array(5).fill('control_added'), 'mapping_version', 'mapping_version']);
  });

  it('a released catalog with the same content is not repeated', () => {
    const r1 = mappingFor();
    expect(buildChangelog([r1], mappingFor({ tokensEncrypted: false })).versions.map((v) => v.version)).toEqual(['1.0.0']);
  });
});

describe('baseline', () => {
  it('a control observed live in the baseline that is not now fails the gate', () => {
    const f = compareWithBaseline(mappingFor(), mappingFor({ tokensEncrypted: false }));
    expect(f).toEqual([
      { kind: 'lost_live', control: 'tokens_encrypted', message: 'tokens_encrypted: observed live in the baseline (catalog 1.0.0) but roadmap now, and the catalog still claims live', details: [] },
    ]);
  });

  it('unless the catalog lowered the claim on purpose (with a version bump)', () => {
    const downgraded = fixtureControls().map((c) => (c.id === 'tokens_encrypted' ? { ...c, status: 'roadmap' as const, checks: [] } : c));
    expect(compareWithBaseline(mappingFor(), mappingFor({ tokensEncrypted: false }, downgraded, '2.0.0'))).toEqual([]);
  });

  it('a catalog whose content changed without a version bump fails', () => {
    const downgraded = fixtureControls().map((c) => (c.id === 'tokens_encrypted' ? { ...c, status: 'roadmap' as const, checks: [] } : c));
    const f = compareWithBaseline(mappingFor(), mappingFor({ tokensEncrypted: false }, downgraded, '1.0.0'));
    expect(f.map((x) => x.kind)).toEqual(['catalog_not_bumped']);
    expect(f[0].message).toMatch(/^catalog content changed since the baseline \([0-9a-f]{12} -> [0-9a-f]{12}\) but its version is still 1\.0\.0$/);
  });

  it('the same state passes', () => {
    expect(compareWithBaseline(mappingFor(), mappingFor())).toEqual([]);
  });
});
