import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromBase64, toBase64, toHex, utf8 } from '../src/bytes.ts';
import { type Checkpoint, formatCheckpoint, parseCheckpoint } from '../src/checkpoint.ts';
import { publicKeyFromSeed } from '../src/ed25519.ts';
import { failureCode, LiuhenError } from '../src/errors.ts';
import { sha256 } from '../src/hash.ts';
import {
  ed25519Verifier,
  formatSignedNote,
  parseSignedNote,
  signNoteEd25519,
  verifyNote,
} from '../src/note.ts';
import { tricky } from './arbitraries.ts';

// The example of c2sp.org/tlog-checkpoint (github.com/C2SP/C2SP, tlog-checkpoint.md).
const SPEC_TEXT = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';

// github.com/sigsum/sigsum-go, pkg/checkpoint/checkpoint_test.go: validCheckpointASCII, signed by
// crypto.PrivateKey{17} (the Ed25519 seed 0x11 followed by 31 zero bytes).
const SIGSUM_ORIGIN = 'sigsum.org/v1/tree/e796172b92befd62d9dc67e41c2f5bc9d3100a3023b20b1ca40288dd1c679e69';
const SIGSUM_NOTE = `${SIGSUM_ORIGIN}
10
HA5HAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=

— ${SIGSUM_ORIGIN} gJ2ho0n8F8olcerUF1FFdv235A/5as/coWrpLrtE7ovMeP5whgwouYExowG/lTznxu6OUGjjt5yJQ6bXtTcf718MqAQ=
`;
const sigsumSeed = new Uint8Array(32);
sigsumSeed[0] = 17;

const root = sha256(utf8('root'));
const base: Checkpoint = { origin: 'example.org/log', size: 5, rootHash: root, extensions: [] };

describe('checkpoint vectors', () => {
  it('parses and re-formats the spec example', () => {
    const c = parseCheckpoint(SPEC_TEXT);
    expect(c.origin).toBe('example.com/behind-the-sofa');
    expect(c.size).toBe(20852163);
    expect(c.rootHash).toEqual(fromBase64('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I='));
    expect(c.extensions).toEqual([]);
    expect(formatCheckpoint(c)).toBe(SPEC_TEXT);
  });

  it('reproduces the sigsum signed checkpoint byte for byte', () => {
    const publicKey = publicKeyFromSeed(sigsumSeed);
    expect(SIGSUM_ORIGIN).toBe(`sigsum.org/v1/tree/${toHex(sha256(publicKey))}`);
    const rootHash = new Uint8Array(32);
    rootHash.set([28, 14, 71]);
    const text = formatCheckpoint({ origin: SIGSUM_ORIGIN, size: 10, rootHash, extensions: [] });
    const signature = signNoteEd25519(text, SIGSUM_ORIGIN, sigsumSeed);
    expect(formatSignedNote({ text, signatures: [signature] })).toBe(SIGSUM_NOTE);
    const note = parseSignedNote(SIGSUM_NOTE);
    const log = ed25519Verifier(SIGSUM_ORIGIN, publicKey);
    expect(verifyNote(note, [log])).toEqual([log]);
    expect(parseCheckpoint(note.text)).toEqual({ origin: SIGSUM_ORIGIN, size: 10, rootHash, extensions: [] });
  });

  it('round-trips sizes 0 and 2^53 − 1 and extension lines', () => {
    for (const c of [
      { ...base, size: 0 },
      { ...base, size: Number.MAX_SAFE_INTEGER },
      { ...base, extensions: ['ext one', '— looks like a signature', 'x'] },
    ]) {
      expect(parseCheckpoint(formatCheckpoint(c))).toEqual(c);
    }
    expect(formatCheckpoint({ ...base, extensions: ['a b'] })).toBe(
      `example.org/log\n5\n${toBase64(root)}\na b\n`,
    );
  });

  it('accepts origins that do not follow the recommended URL form', () => {
    expect(parseCheckpoint(`go.sum database tree\n1\n${SPEC_TEXT.split('\n')[2]}\n`).origin).toBe(
      'go.sum database tree',
    );
    expect(parseCheckpoint(`a+b\n1\n${SPEC_TEXT.split('\n')[2]}\n`).origin).toBe('a+b');
  });
});

describe('strict checkpoint parsing', () => {
  const rootLine = 'CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=';
  it.each([
    ['an empty text', ''],
    ['no final newline', SPEC_TEXT.slice(0, -1)],
    ['two lines', 'o\n1\n'],
    ['an empty origin', `\n1\n${rootLine}\n`],
    ['a leading zero', `o\n01\n${rootLine}\n`],
    ['"00"', `o\n00\n${rootLine}\n`],
    ['a sign', `o\n+1\n${rootLine}\n`],
    ['a negative size', `o\n-1\n${rootLine}\n`],
    ['a space in the size', `o\n 1\n${rootLine}\n`],
    ['an exponent', `o\n1e3\n${rootLine}\n`],
    ['a fraction', `o\n1.0\n${rootLine}\n`],
    ['hex', `o\n0x10\n${rootLine}\n`],
    ['an empty size', `o\n\n${rootLine}\n`],
    ['non-ASCII digits', `o\n١\n${rootLine}\n`],
    ['a size of 2^53', `o\n9007199254740992\n${rootLine}\n`],
    ['a size of 2^64', `o\n18446744073709551616\n${rootLine}\n`],
    ['a 31-byte root', `o\n1\n${toBase64(new Uint8Array(31))}\n`],
    ['a 33-byte root', `o\n1\n${toBase64(new Uint8Array(33))}\n`],
    ['a root without padding', `o\n1\n${rootLine.slice(0, -1)}\n`],
    ['a root with non-zero padding bits', `o\n1\n${rootLine.slice(0, -2)}3=\n`],
    ['a root with a trailing space', `o\n1\n${rootLine} \n`],
    ['an empty root line', 'o\n1\n\n'],
    ['an empty extension line', `o\n1\n${rootLine}\n\next\n`],
    ['an empty last extension line', `o\n1\n${rootLine}\next\n\n`],
    ['CRLF line endings', `o\r\n1\r\n${rootLine}\r\n`],
    ['a control character in the origin', `o\x00\n1\n${rootLine}\n`],
    ['a lone surrogate in an extension', `o\n1\n${rootLine}\n\ud800\n`],
  ])('rejects %s', (_name, text) => {
    expect(failureCode(() => parseCheckpoint(text))).toBe('CHECKPOINT_MALFORMED');
  });

  it.each([
    ['an empty origin', { ...base, origin: '' }],
    ['a two-line origin', { ...base, origin: 'a\nb' }],
    ['a CR in the origin', { ...base, origin: 'a\r' }],
    ['a negative size', { ...base, size: -1 }],
    ['a fractional size', { ...base, size: 1.5 }],
    ['a NaN size', { ...base, size: Number.NaN }],
    ['an unsafe size', { ...base, size: 2 ** 53 }],
    ['a 31-byte root', { ...base, rootHash: root.subarray(1) }],
    ['an empty extension', { ...base, extensions: [''] }],
    ['a two-line extension', { ...base, extensions: ['a\nb'] }],
  ] as Array<[string, Checkpoint]>)('refuses to format %s', (_name, c) => {
    expect(failureCode(() => formatCheckpoint(c))).toBe('CHECKPOINT_MALFORMED');
  });
});

/** Independent of the code under test: no character below U+0020, no lone surrogate. */
const printable = (s: string) => [...s].every((ch) => ch >= ' ' && !/\p{Cs}/u.test(ch));
const line = tricky(16).filter((s) => s !== '' && printable(s));
const checkpoint = fc.record({
  origin: line.filter((s) => !s.startsWith('\ufeff')),
  size: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
  rootHash: fc.uint8Array({ minLength: 32, maxLength: 32 }),
  extensions: fc.array(line, { maxLength: 3 }),
});

describe('checkpoint properties', () => {
  it('parse(format(c)) returns c', () => {
    fc.assert(
      fc.property(checkpoint, (c) => {
        expect(parseCheckpoint(formatCheckpoint(c))).toEqual(c);
      }),
      { numRuns: 500 },
    );
  });

  it('random and mutated texts only ever produce a LiuhenError', () => {
    const mutated = fc
      .tuple(checkpoint, fc.nat(), fc.integer({ min: 1, max: 0xffff }))
      .map(([c, at, xor]) => {
        const text = formatCheckpoint(c);
        const i = at % text.length;
        return text.slice(0, i) + String.fromCharCode(text.charCodeAt(i) ^ xor) + text.slice(i + 1);
      });
    fc.assert(
      fc.property(fc.oneof(tricky(120), mutated), (text) => {
        try {
          parseCheckpoint(text);
        } catch (error) {
          expect(error).toBeInstanceOf(LiuhenError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
