import { describe, expect, it } from 'vitest';
import { ByteMemo } from '../src/byte-memo.ts';
import { utf8 } from '../src/bytes.ts';

describe('ByteMemo', () => {
  it('makes a value once per byte sequence, wherever the bytes lie', () => {
    const memo = new ByteMemo<string>(64);
    let made = 0;
    const make = (bytes: Uint8Array, start: number, end: number) => {
      made++;
      return String.fromCharCode(...bytes.subarray(start, end));
    };
    const a = utf8('xxkindyy');
    expect(memo.get(a, 2, 6, make)).toBe('kind');
    expect(memo.get(utf8('kind'), 0, 4, make)).toBe('kind');
    expect(made).toBe(1);
    // The remembered bytes are a copy: changing the input does not change what is found.
    a[2] = 0x4b;
    expect(memo.get(a, 2, 6, make)).toBe('Kind');
    expect(made).toBe(2);
  });

  it('with one slot, a different key replaces the value, and never returns the wrong one', () => {
    const memo = new ByteMemo<number>(1);
    const length = (_: Uint8Array, start: number, end: number) => end - start;
    expect(memo.get(utf8('ab'), 0, 2, length)).toBe(2);
    expect(memo.get(utf8('abc'), 0, 3, length)).toBe(3);
    expect(memo.get(utf8('xy'), 0, 2, () => 7)).toBe(7);
    expect(memo.get(utf8('ab'), 0, 2, () => 9)).toBe(9);
  });

  it('remembers nothing when making throws', () => {
    const memo = new ByteMemo<number>(8);
    const key = utf8('bad');
    expect(() =>
      memo.get(key, 0, 3, () => {
        throw new Error('refused');
      }),
    ).toThrow('refused');
    expect(memo.get(key, 0, 3, () => 1)).toBe(1);
  });
});
