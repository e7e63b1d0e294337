/** The sample bodies fixtures and benchmarks use are valid records of their kinds, for any n. */
import { describe, expect, it } from 'vitest';
import { checkBody, objectTypeOf } from '../src/index.ts';
import { SAMPLE_KINDS, sampleBody, sampleJoint, sampleSegment } from '../src/scenario/index.ts';

describe('sample bodies', () => {
  it.each(SAMPLE_KINDS)('%s is schema-valid over a range of n', (kind) => {
    for (const n of [0, 1, 7, 79, 80, 998, 999, 12_345, 170_000]) {
      expect(checkBody(kind, sampleBody(kind, n)), `${kind} n=${n}`).toEqual({ ok: true });
    }
  });

  it('names segments and joints the pipe/1 way', () => {
    expect(sampleSegment(0)).toBe('seg:SZ-WS100000-WS100001#1');
    expect(objectTypeOf(sampleSegment(41_999))).toBe('segment');
    expect([sampleJoint(0), sampleJoint(8), sampleJoint(998), sampleJoint(999)]).toEqual([
      'J01',
      'J09',
      'J999',
      'J01',
    ]);
  });
});
