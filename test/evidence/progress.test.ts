import { describe, expect, it } from 'vitest';
import { heldProgress, profileDetail, type Progress } from '../../evidence/progress.ts';

function recorder(): Progress & { lines: string[] } {
  const lines: string[] = [];
  return { lines, start: (s) => lines.push(`start ${s}`), done: (s, d) => lines.push(`done ${s}${d ? ` (${d})` : ''}`), warn: (m) => lines.push(`warn ${m}`), clear: () => {} };
}

describe('heldProgress', () => {
  it('holds finished lines and warnings until released, then prints them in order and passes later ones through', () => {
    const inner = recorder();
    const p = heldProgress(inner);
    p.start('collect audit');
    p.done('collect audit', '12 ms');
    p.warn('a warning');
    expect(inner.lines).toEqual(['start collect audit']);
    p.release();
    p.done('catalog');
    expect(inner.lines).toEqual(['start collect audit', 'done collect audit (12 ms)', 'warn a warning', 'done catalog']);
  });

  it('prints nothing it held when never released (the run failed first)', () => {
    const inner = recorder();
    const p = heldProgress(inner);
    p.done('database');
    expect(inner.lines).toEqual([]);
  });
});

describe('TRUST_PROFILE', () => {
  it('adds when a finished step ended (ms since the process started) only when profiling', () => {
    expect(profileDetail('evaluate', '81 controls', false, 1234.4)).toBe('81 controls');
    expect(profileDetail('evaluate', '81 controls', true, 1234.4)).toBe('81 controls; at 1234 ms');
    expect(profileDetail('oscal', undefined, true, 99.6)).toBe('at 100 ms');
  });
});
