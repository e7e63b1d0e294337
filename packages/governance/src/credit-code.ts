/**
 * The unified social credit code (统一社会信用代码, GB 32100-2015) that identifies a Chinese legal
 * entity: 18 characters from a 31-symbol alphabet (digits and capitals without I, O, S, V, Z),
 * the last being a check character. The check catches the typing errors a genesis author makes
 * when copying a code from a business licence.
 */
import { LiuhenError } from '@liuhen/core';

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const FORMAT = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;
// GB 32100 weights position i (0-based) by 3^i mod 31.
const WEIGHTS = Array.from({ length: 17 }, (_, i) => 3 ** i % 31);

/** The check character (GB 32100) for the first 17 characters of a code. */
export function creditCodeCheckCharacter(first17: string): string {
  if (first17.length !== 17 || !FORMAT.test(`${first17}0`)) {
    throw new LiuhenError('GENESIS_INVALID', 'creditCode: expected the first 17 characters of a code');
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += ALPHABET.indexOf(first17[i] as string) * (WEIGHTS[i] as number);
  return ALPHABET[(31 - (sum % 31)) % 31] as string;
}

/** True when `code` has the GB 32100 format and a correct check character. */
export function isCreditCode(code: string): boolean {
  return FORMAT.test(code) && creditCodeCheckCharacter(code.slice(0, 17)) === code[17];
}
