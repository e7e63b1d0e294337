import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { creditCodeCheckCharacter, isCreditCode } from '../src/index.ts';
import { failure } from './fixtures.ts';

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

describe('unified social credit codes', () => {
  it('accepts codes published on real business licences', () => {
    // Public registrations (Huawei, BYD, Tencent, Baidu, China Construction Bank) and the
    // example code printed in GB 32100 guidance.
    for (const code of [
      '914403001922038216',
      '91440300192317458F',
      '91440300708461136T',
      '91110000802100433B',
      '911100001000044477',
      '91350100M000100Y43',
    ]) {
      expect(isCreditCode(code)).toBe(true);
    }
  });

  it('refuses the format: letters I, O, S, V, Z, a non-digit region, wrong length', () => {
    expect(isCreditCode('91440300192203821I')).toBe(false);
    expect(isCreditCode('9144A3001922038216')).toBe(false);
    expect(isCreditCode('91440300192203821')).toBe(false);
    expect(isCreditCode('914403001922038216 ')).toBe(false);
  });

  it('detects every single-character substitution', () => {
    const code = '914403001922038216';
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 17 }), fc.constantFrom(...ALPHABET), (at, char) => {
        fc.pre(code[at] !== char && (at < 2 || at > 7 || /\d/.test(char)));
        expect(isCreditCode(code.slice(0, at) + char + code.slice(at + 1))).toBe(false);
      }),
    );
  });

  it('computes check characters only for a well-formed prefix', () => {
    expect(creditCodeCheckCharacter('91440300192203821')).toBe('6');
    expect(failure(() => creditCodeCheckCharacter('9144030019220382')).code).toBe('GENESIS_INVALID');
  });
});
