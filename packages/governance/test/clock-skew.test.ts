import { describe, expect, it } from 'vitest';
import { judgeBlockTime, judgeCosignatureTime } from '../src/index.ts';

const MINUTE = 60_000;
const TOLERANCE = 5 * MINUTE;
const NOW = 1_800_000_000_000;

describe('judgeBlockTime', () => {
  it('flags a block cut ahead of the local clock beyond the tolerance, and only that', () => {
    expect(judgeBlockTime(NOW + 10 * MINUTE, NOW, TOLERANCE)).toEqual({ skewMs: 10 * MINUTE, flagged: true });
    expect(judgeBlockTime(NOW + TOLERANCE, NOW, TOLERANCE).flagged).toBe(false);
    expect(judgeBlockTime(NOW + 2 * MINUTE, NOW, TOLERANCE).flagged).toBe(false);
    // An old block is just old: catch-up sync and late gossip flag nothing.
    expect(judgeBlockTime(NOW - 30 * 86_400_000, NOW, TOLERANCE)).toEqual({
      skewMs: -30 * 86_400_000,
      flagged: false,
    });
  });

  it('refuses a tolerance that is not a non-negative integer', () => {
    expect(() => judgeBlockTime(NOW, NOW, -1)).toThrow(RangeError);
    expect(() => judgeBlockTime(NOW, NOW, 1.5)).toThrow(RangeError);
  });
});

describe('judgeCosignatureTime', () => {
  it('flags a cosignature of an own checkpoint timestamped before it was cut, beyond the tolerance', () => {
    const cut = NOW - 20 * MINUTE;
    const verdict = judgeCosignatureTime(cut - 10 * MINUTE, cut, TOLERANCE);
    expect(verdict.flagged).toBe(true);
    expect(verdict.skewMs).toBeLessThanOrEqual(-10 * MINUTE + 999);
    expect(judgeCosignatureTime(cut - 3 * MINUTE, cut, TOLERANCE).flagged).toBe(false);
  });

  it('never counts late cosignatures or the truncation to whole seconds as skew', () => {
    const cut = NOW - 1_500;
    expect(judgeCosignatureTime(NOW + 3 * 86_400_000, cut, TOLERANCE)).toEqual({ skewMs: 0, flagged: false });
    // Signed 0.5 s after the cut, the timestamp reads up to 999 ms earlier.
    expect(judgeCosignatureTime(Math.floor((cut + 500) / 1000) * 1000, cut, 0)).toEqual({
      skewMs: 0,
      flagged: false,
    });
  });
});
