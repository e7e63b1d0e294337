import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromBase64, toBase64, toHex, u64be, utf8 } from '../src/bytes.ts';
import { publicKeyFromSeed } from '../src/ed25519.ts';
import { failureCode, LiuhenError } from '../src/errors.ts';
import { sha256 } from '../src/hash.ts';
import {
  DEFAULT_MAX_NOTE_BYTES,
  DEFAULT_MAX_SIGNATURES,
  ed25519Verifier,
  formatSignedNote,
  keyHash,
  type NoteSignature,
  noteVerifier,
  parseSignedNote,
  parseVerifierKey,
  SIG_TYPE_COSIGNATURE_V1,
  SIG_TYPE_ED25519,
  type SignedNote,
  signNoteEd25519,
  verifierKeyString,
  verifyNote,
} from '../src/note.ts';
import { tricky } from './arbitraries.ts';

// Test data of golang.org/x/mod/sumdb/note (github.com/golang/mod, sumdb/note/note_test.go).
const PETER_SKEY_DATA = 'AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'; // 0x01 || seed
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG =
  '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG =
  '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';
const peterSeed = fromBase64(PETER_SKEY_DATA).subarray(1);

// A real sum.golang.org checkpoint and the Go checksum database key, as quoted by
// github.com/sigsum/sigsum-go, pkg/checkpoint/checkpoint_test.go (TestGoSumDBCheckpoint).
const SUMDB_VKEY = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8';
const SUMDB_NOTE = `go.sum database tree
30055305
mXfgRcJ0bG0j3CPdKwgGWtUzBUbX67saZGRmFuJGGsM=

— sum.golang.org Az3grpgEild5qw7+5dtV13Kf1C2Xurm8q4fhdxvcsDHnqNTaxL2AFjBY+2TyGKevucFcAAlWFJJYle3EJlDCrQ+y3A8=
`;

const seedA = sha256(utf8('liuhen note test A'));
const seedB = sha256(utf8('liuhen note test B'));

describe('reference vectors', () => {
  it('computes the Go reference key ID and verifier key from the seed', () => {
    const publicKey = publicKeyFromSeed(peterSeed);
    expect(toHex(keyHash('PeterNeumann', SIG_TYPE_ED25519, publicKey))).toBe('c74f20a3');
    const v = parseVerifierKey(PETER_VKEY);
    expect(v).toEqual({
      name: 'PeterNeumann',
      keyHash: keyHash('PeterNeumann', 1, publicKey),
      sigType: 1,
      publicKey,
    });
    expect(verifierKeyString(v)).toBe(PETER_VKEY);
    expect(verifierKeyString(ed25519Verifier('PeterNeumann', publicKey))).toBe(PETER_VKEY);
  });

  it('signs the Go reference note to the exact bytes', () => {
    const sig = signNoteEd25519(TEXT, 'PeterNeumann', peterSeed);
    expect(formatSignedNote({ text: TEXT, signatures: [sig] })).toBe(`${TEXT}\n${PETER_SIG}`);
  });

  it('opens the doubly signed Go reference note with any subset of its keys', () => {
    const peter = parseVerifierKey(PETER_VKEY);
    const enoch = parseVerifierKey(ENOCH_VKEY);
    const note = parseSignedNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`);
    expect(note.text).toBe(TEXT);
    expect(note.signatures.map((s) => [s.name, toHex(s.keyHash)])).toEqual([
      ['PeterNeumann', 'c74f20a3'],
      ['EnochRoot', 'af0cfe78'],
    ]);
    expect(verifyNote(note, [peter])).toEqual([peter]);
    expect(verifyNote(note, [enoch])).toEqual([enoch]);
    expect(verifyNote(note, [enoch, peter])).toEqual([peter, enoch]);
    expect(failureCode(() => verifyNote(note, []))).toBe('NOTE_UNSIGNED');
  });

  it('verifies a real sum.golang.org checkpoint', () => {
    const sumdb = parseVerifierKey(SUMDB_VKEY);
    expect(verifyNote(parseSignedNote(utf8(SUMDB_NOTE)), [sumdb])).toEqual([sumdb]);
  });

  // The Go reference's Open cases, with their expected outcome here.
  it('rejects a corrupted signature from a known key, ignores one from an unknown key', () => {
    const peter = parseVerifierKey(PETER_VKEY);
    // Go inserts "ABCD" at byte 60; the em dash is 3 bytes in UTF-8 and 1 code unit here.
    const corrupt = (line: string) => `${line.slice(0, 58)}ABCD${line.slice(58)}`;
    const bad = parseSignedNote(`${TEXT}\n${corrupt(PETER_SIG)}`);
    expect(failureCode(() => verifyNote(bad, [peter]))).toBe('SIGNATURE_INVALID');
    const mixed = parseSignedNote(
      `${TEXT}\n${PETER_SIG}${PETER_SIG}${ENOCH_SIG}${ENOCH_SIG}${corrupt(ENOCH_SIG)}`,
    );
    expect(mixed.signatures).toHaveLength(5);
    expect(verifyNote(mixed, [peter])).toEqual([peter]);
  });

  it('applies the signature-count limit', () => {
    expect(parseSignedNote(`${TEXT}\n${PETER_SIG.repeat(DEFAULT_MAX_SIGNATURES)}`).signatures).toHaveLength(
      100,
    );
    expect(failureCode(() => parseSignedNote(`${TEXT}\n${PETER_SIG.repeat(101)}`))).toBe('NOTE_MALFORMED');
    expect(
      failureCode(() => parseSignedNote(`${TEXT}\n${PETER_SIG.repeat(17)}`, { maxSignatures: 16 })),
    ).toBe('NOTE_MALFORMED');
  });

  it.each([
    ['text only', TEXT],
    ['no signature after the blank line', `${TEXT}\n`],
    ['last line without newline', `${TEXT}\n${PETER_SIG.slice(0, -1)}`],
    ['a control character', `\x01${TEXT}\n${PETER_SIG}`],
    [
      'a name with a space',
      `${TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=`,
    ],
    ['a line that is not a signature', `${TEXT}\n${PETER_SIG}Unexpected line.\n`],
  ])('rejects the Go reference bad message: %s', (_name, message) => {
    expect(failureCode(() => parseSignedNote(message))).toBe('NOTE_MALFORMED');
  });

  it('rejects the Go reference bad message with an invalid UTF-8 byte', () => {
    expect(
      failureCode(() => parseSignedNote(concatBytes(Uint8Array.of(0xff), utf8(`${TEXT}\n${PETER_SIG}`)))),
    ).toBe('NOTE_MALFORMED');
  });

  it('rejects every truncation and every single-character change of a verifier key (as Go does)', () => {
    for (let i = 0; i <= PETER_VKEY.length; i++) {
      for (let j = i + 1; j <= PETER_VKEY.length; j++) {
        if (i === 0 && j === PETER_VKEY.length) continue;
        expect(failureCode(() => parseVerifierKey(PETER_VKEY.slice(i, j)))).not.toBe('ok');
      }
    }
    for (let i = 0; i < PETER_VKEY.length; i++) {
      const changed =
        PETER_VKEY.slice(0, i) + String.fromCharCode(PETER_VKEY.charCodeAt(i) + 1) + PETER_VKEY.slice(i + 1);
      expect(failureCode(() => parseVerifierKey(changed))).not.toBe('ok');
    }
  });

  it.each([
    // Go's TestNewVerifier: wrong key length and unknown type, each with a matching key ID. Go
    // accepts the first's base64, whose unused bits are not zero; strict decoding rejects it.
    ['PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==', 'VKEY_MALFORMED'],
    ['PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'VKEY_MALFORMED'],
    // github.com/transparency-dev/formats, note/note_cosigv1_test.go (TestCoSigV1NewVerifier).
    ['bananas.sigstore.dev+12344556', 'VKEY_MALFORMED'],
    ['rekor.sigstore.dev+12345678+THIS_IS_NOT_BASE64!', 'VKEY_MALFORMED'],
    ['rekor.sigstore.dev+12345678+AwEB', 'VKEY_MALFORMED'],
    // Strictness beyond the references: uppercase hex, a short ID, an empty name or key.
    ['PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'VKEY_MALFORMED'],
    ['PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'VKEY_MALFORMED'],
    ['+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', 'VKEY_MALFORMED'],
    ['PeterNeumann+c74f20a3+', 'VKEY_MALFORMED'],
  ])('rejects the verifier key %s', (vkey, code) => {
    expect(failureCode(() => parseVerifierKey(vkey))).toBe(code);
  });

  it('checks the key ID before the key, then the key length', () => {
    const key = concatBytes(Uint8Array.of(SIG_TYPE_ED25519), publicKeyFromSeed(peterSeed), Uint8Array.of(0));
    const id = toHex(sha256(concatBytes(utf8('PeterNeumann\n'), key)).subarray(0, 4));
    expect(failureCode(() => parseVerifierKey(`PeterNeumann+${id}+${toBase64(key)}`))).toBe('KEY_LENGTH');
    expect(failureCode(() => parseVerifierKey(`PeterNeumann+00000000+${toBase64(key)}`))).toBe(
      'VKEY_MALFORMED',
    );
  });

  it('parses the transparency-dev verifier keys of both supported types', () => {
    // github.com/transparency-dev/formats, note/note_cosigv1_test.go (TestCoSigV1NewVerifier).
    for (const [vkey, sigType] of [
      ['TEST+7997405c+AQcC+FTVKf0jlTdHDY3rbevmnKxxPjigCXlVtGe6RIr6', SIG_TYPE_ED25519],
      ['remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2', SIG_TYPE_COSIGNATURE_V1],
    ] as const) {
      const v = parseVerifierKey(vkey);
      expect(v.sigType).toBe(sigType);
      expect(verifierKeyString(v)).toBe(vkey);
    }
  });
});

/** A valid note with the given line between text and signature block replaced. */
const GOOD = `${TEXT}\n${PETER_SIG}`;

describe('strict parsing', () => {
  it.each([
    ['no blank line', `${TEXT}${PETER_SIG}`],
    ['an empty signature block', `${TEXT}\n`],
    ['trailing blank line after the signatures', `${GOOD}\n`],
    ['a hyphen instead of the em dash', `${TEXT}\n-${PETER_SIG.slice(1)}`],
    ['an en dash instead of the em dash', `${TEXT}\n–${PETER_SIG.slice(1)}`],
    ['no space after the em dash', `${TEXT}\n—${PETER_SIG.slice(2)}`],
    ['two spaces after the em dash', `${TEXT}\n— ${PETER_SIG.slice(1)}`],
    ['two spaces before the signature', `${TEXT}\n${PETER_SIG.replace('n x08', 'n  x08')}`],
    ['no signature after the name', `${TEXT}\n— PeterNeumann\n`],
    ['an empty signature', `${TEXT}\n— PeterNeumann \n`],
    ['a trailing space', `${TEXT}\n${PETER_SIG.replace('=\n', '= \n')}`],
    ['invalid base64', `${TEXT}\n— PeterNeumann x08go/ZJ!!!!\n`],
    ['base64 without padding', `${TEXT}\n${PETER_SIG.replace('=\n', '\n')}`],
    ['base64 with non-zero padding bits', `${TEXT}\n— PeterNeumann AAAAAAB=\n`],
    ['url-safe base64', `${TEXT}\n— PeterNeumann x08go_ZJ\n`],
    ['a 4-byte signature (key ID only)', `${TEXT}\n— PeterNeumann x08gow==\n`],
    ['a name with a plus', `${TEXT}\n— Peter+Neumann x08go/ZJ\n`],
    ['a name with a no-break space', `${TEXT}\n— Peter\u00a0Neumann x08go/ZJ\n`],
    ['a name with an ideographic space', `${TEXT}\n— Peter\u3000Neumann x08go/ZJ\n`],
    ['a name with NEL', `${TEXT}\n— Peter\u0085Neumann x08go/ZJ\n`],
    ['CRLF line endings', GOOD.replaceAll('\n', '\r\n')],
    ['a CR in the text', `a\rb\n\n${PETER_SIG}`],
    ['a tab in the text', `a\tb\n\n${PETER_SIG}`],
    ['a NUL in the text', `a\0b\n\n${PETER_SIG}`],
    ['a lone surrogate in the text', `a\ud800b\n\n${PETER_SIG}`],
    ['a leading U+FEFF', `\ufeff${GOOD}`],
    ['an empty input', ''],
    ['a lone newline', '\n'],
  ])('rejects %s', (_name, note) => {
    expect(failureCode(() => parseSignedNote(note))).toBe('NOTE_MALFORMED');
  });

  it.each([
    ['a stray continuation byte', [0x80]],
    ['an overlong encoding', [0xc0, 0x80]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a truncated sequence', [0xe2, 0x80]],
    ['a byte-order mark, which the UTF-8 decoder would drop', [0xef, 0xbb, 0xbf]],
  ])('rejects bytes with %s', (_name, prefix) => {
    expect(failureCode(() => parseSignedNote(concatBytes(Uint8Array.from(prefix), utf8(GOOD))))).toBe(
      'NOTE_MALFORMED',
    );
  });

  it('applies the size limit to strings and bytes, counting UTF-8 bytes', () => {
    const size = utf8(GOOD).length;
    expect(parseSignedNote(GOOD, { maxBytes: size }).text).toBe(TEXT);
    expect(parseSignedNote(utf8(GOOD), { maxBytes: size }).text).toBe(TEXT);
    expect(failureCode(() => parseSignedNote(GOOD, { maxBytes: size - 1 }))).toBe('NOTE_MALFORMED');
    expect(failureCode(() => parseSignedNote(utf8(GOOD), { maxBytes: size - 1 }))).toBe('NOTE_MALFORMED');
    // The em dash is one code unit but three bytes: the limit is on bytes.
    expect(GOOD.length).toBeLessThan(size);
    expect(failureCode(() => parseSignedNote(GOOD, { maxBytes: GOOD.length }))).toBe('NOTE_MALFORMED');
    const large = `${'x'.repeat(DEFAULT_MAX_NOTE_BYTES)}\n\n${PETER_SIG}`;
    expect(failureCode(() => parseSignedNote(large))).toBe('NOTE_MALFORMED');
    expect(parseSignedNote(large, { maxBytes: 2 * DEFAULT_MAX_NOTE_BYTES }).signatures).toHaveLength(1);
  });

  it('splits at the last blank line: the text may contain blank lines', () => {
    const note = parseSignedNote(`a\n\n\nb\n\n${PETER_SIG}`);
    expect(note.text).toBe('a\n\n\nb\n');
    // A signature-shaped line before the last blank line belongs to the text.
    expect(parseSignedNote(`${TEXT}\n${ENOCH_SIG}\n${PETER_SIG}`).text).toBe(`${TEXT}\n${ENOCH_SIG}`);
    expect(parseSignedNote(`\n\n${PETER_SIG}`).text).toBe('\n');
  });

  it('accepts characters the spec allows: DEL, C1 controls, non-ASCII, astral', () => {
    const text = 'del \x7f, c1 \u0080, 日本, 🙂\n';
    expect(parseSignedNote(`${text}\n${PETER_SIG}`).text).toBe(text);
  });

  it('keeps signatures of unknown types and keys, in order, with their bytes', () => {
    const note = parseSignedNote(`${TEXT}\n— x AQIDBAU=\n— y.example/z AQIDBAUGBwg=\n`);
    expect(note.signatures.map((s) => [s.name, toHex(s.keyHash), toHex(s.signature)])).toEqual([
      ['x', '01020304', '05'],
      ['y.example/z', '01020304', '05060708'],
    ]);
  });
});

describe('formatting and signing', () => {
  const sig: NoteSignature = { name: 'a', keyHash: new Uint8Array(4), signature: new Uint8Array(1) };

  it.each([
    ['text without final newline', { text: 'abc', signatures: [sig] }],
    ['empty text', { text: '', signatures: [sig] }],
    ['a control character in the text', { text: 'a\rb\n', signatures: [sig] }],
    ['a lone surrogate in the text', { text: '\udc00\n', signatures: [sig] }],
    ['no signatures', { text: TEXT, signatures: [] }],
    ['too many signatures', { text: TEXT, signatures: Array(DEFAULT_MAX_SIGNATURES + 1).fill(sig) }],
    ['an empty name', { text: TEXT, signatures: [{ ...sig, name: '' }] }],
    ['a name with a newline', { text: TEXT, signatures: [{ ...sig, name: 'a\n— b' }] }],
    ['a 3-byte key ID', { text: TEXT, signatures: [{ ...sig, keyHash: new Uint8Array(3) }] }],
    ['an empty signature', { text: TEXT, signatures: [{ ...sig, signature: new Uint8Array(0) }] }],
    ['an oversize note', { text: `${'x'.repeat(DEFAULT_MAX_NOTE_BYTES)}\n`, signatures: [sig] }],
  ] as Array<[string, SignedNote]>)('refuses to format %s', (_name, note) => {
    expect(failureCode(() => formatSignedNote(note))).toBe('NOTE_MALFORMED');
  });

  it('refuses to sign an invalid text or with an invalid name or seed', () => {
    expect(failureCode(() => signNoteEd25519('abc', 'a', seedA))).toBe('NOTE_MALFORMED');
    expect(failureCode(() => signNoteEd25519('a\0\n', 'a', seedA))).toBe('NOTE_MALFORMED');
    expect(failureCode(() => signNoteEd25519(TEXT, 'a b', seedA))).toBe('VKEY_MALFORMED');
    expect(failureCode(() => signNoteEd25519(TEXT, 'a+b', seedA))).toBe('VKEY_MALFORMED');
    expect(failureCode(() => signNoteEd25519(TEXT, 'a', seedA.subarray(1)))).toBe('KEY_LENGTH');
  });

  it('builds verifiers only for supported types and valid keys', () => {
    const publicKey = publicKeyFromSeed(seedA);
    expect(noteVerifier('a', SIG_TYPE_COSIGNATURE_V1, publicKey).keyHash).toEqual(keyHash('a', 4, publicKey));
    expect(failureCode(() => noteVerifier('a', 0x02, publicKey))).toBe('VKEY_MALFORMED');
    expect(failureCode(() => ed25519Verifier('', publicKey))).toBe('VKEY_MALFORMED');
    expect(failureCode(() => ed25519Verifier('a', publicKey.subarray(1)))).toBe('KEY_LENGTH');
    expect(failureCode(() => ed25519Verifier('a', new Uint8Array(32)))).toBe('KEY_SMALL_ORDER');
    expect(failureCode(() => keyHash('a', 256, publicKey))).toBe('VKEY_MALFORMED');
  });

  it('computes key IDs over name, newline, type byte and key', () => {
    const publicKey = publicKeyFromSeed(seedA);
    const manual = sha256(concatBytes(utf8('n.example/k'), Uint8Array.of(0x0a, 0x01), publicKey)).subarray(
      0,
      4,
    );
    expect(keyHash('n.example/k', 1, publicKey)).toEqual(manual);
    expect(keyHash('n.example/k', 4, publicKey)).not.toEqual(manual);
  });
});

describe('verification', () => {
  const text = 'example.org/log\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';
  const a = ed25519Verifier('a.example', publicKeyFromSeed(seedA));
  const b = ed25519Verifier('b.example', publicKeyFromSeed(seedB));
  const signed = formatSignedNote({
    text,
    signatures: [signNoteEd25519(text, 'a.example', seedA), signNoteEd25519(text, 'b.example', seedB)],
  });

  it('fails on any change to any byte of a singly signed note', () => {
    const bytes = utf8(formatSignedNote({ text, signatures: [signNoteEd25519(text, 'a.example', seedA)] }));
    for (let i = 0; i < bytes.length; i++) {
      for (const mask of [0x01, 0x20, 0x80]) {
        const tampered = bytes.slice();
        tampered[i] = (tampered[i] as number) ^ mask;
        expect(failureCode(() => verifyNote(parseSignedNote(tampered), [a]))).not.toBe('ok');
      }
    }
  });

  it('never verifies both signers after a change to any byte of a doubly signed note', () => {
    const bytes = utf8(signed);
    expect(verifyNote(parseSignedNote(bytes), [a, b])).toEqual([a, b]);
    for (let i = 0; i < bytes.length; i++) {
      const tampered = bytes.slice();
      tampered[i] = (tampered[i] as number) ^ 0x04;
      let result: unknown = 'error';
      try {
        result = verifyNote(parseSignedNote(tampered), [a, b]).length;
      } catch (error) {
        expect(error).toBeInstanceOf(LiuhenError);
      }
      expect(result).not.toBe(2);
    }
  });

  it('ignores a line that matches a known name but not its key ID, or the reverse', () => {
    const note = parseSignedNote(signed);
    const [sigA] = note.signatures as [NoteSignature];
    const renamed = { ...sigA, name: 'b.example' }; // b's name with a's key ID
    const other = { ...sigA, keyHash: b.keyHash }; // b's key ID under a's name
    expect(failureCode(() => verifyNote({ text, signatures: [renamed, other] }, [a, b]))).toBe(
      'NOTE_UNSIGNED',
    );
  });

  it('rejects the whole note when a known key signed badly, even next to a good signature', () => {
    const note = parseSignedNote(signed);
    const [sigA, sigB] = note.signatures as [NoteSignature, NoteSignature];
    const badB = { ...sigB, signature: sigA.signature };
    expect(failureCode(() => verifyNote({ text, signatures: [sigA, badB] }, [a, b]))).toBe(
      'SIGNATURE_INVALID',
    );
    expect(verifyNote({ text, signatures: [sigA, badB] }, [a])).toEqual([a]);
  });

  it('does not accept an Ed25519 note signature as a cosignature of the same key', () => {
    const asWitness = noteVerifier('a.example', SIG_TYPE_COSIGNATURE_V1, a.publicKey);
    expect(failureCode(() => verifyNote(parseSignedNote(signed), [asWitness]))).toBe('NOTE_UNSIGNED');
  });

  it('rejects inconsistent hand-built verifiers and invalid texts', () => {
    const note = parseSignedNote(signed);
    expect(failureCode(() => verifyNote(note, [{ ...a, keyHash: b.keyHash }]))).toBe('VKEY_MALFORMED');
    expect(failureCode(() => verifyNote(note, [{ ...a, sigType: 2 }]))).toBe('VKEY_MALFORMED');
    expect(failureCode(() => verifyNote({ ...note, text: 'no newline' }, [a]))).toBe('NOTE_MALFORMED');
  });

  it('refuses two different keys that share a name and key ID, accepts exact duplicates', () => {
    // Seeds found by a birthday search: both keys under this name have key ID d9d8f3eb.
    const name = 'collide.example/w';
    const s1 = sha256(u64be(70512));
    const s2 = sha256(u64be(98067));
    const v1 = ed25519Verifier(name, publicKeyFromSeed(s1));
    const v2 = ed25519Verifier(name, publicKeyFromSeed(s2));
    expect(toHex(v1.keyHash)).toBe('d9d8f3eb');
    expect(v2.keyHash).toEqual(v1.keyHash);
    const note = { text, signatures: [signNoteEd25519(text, name, s1)] };
    expect(failureCode(() => verifyNote(note, [v1, v2]))).toBe('VKEY_AMBIGUOUS');
    expect(verifyNote(note, [v1, { ...v1 }])).toEqual([v1]);
  });
});

const keyName = fc.stringMatching(/^[a-z0-9./_-]{1,20}$/);
const noteText = fc
  .array(fc.string({ unit: 'grapheme', maxLength: 12 }), { minLength: 1, maxLength: 5 })
  .map((lines) => `${lines.join('\n')}\n`)
  .filter((t) => [...t].every((ch) => ch >= ' ' || ch === '\n') && !t.startsWith('\ufeff'));
const noteSignature = fc.record({
  name: keyName,
  keyHash: fc.uint8Array({ minLength: 4, maxLength: 4 }),
  signature: fc.uint8Array({ minLength: 1, maxLength: 80 }),
});
const signedNote = fc.record({
  text: noteText,
  signatures: fc.array(noteSignature, { minLength: 1, maxLength: 4 }),
});

describe('properties', () => {
  it('parse(format(note)) returns the note, from the string and from its UTF-8 bytes', () => {
    fc.assert(
      fc.property(signedNote, (note) => {
        const formatted = formatSignedNote(note);
        expect(parseSignedNote(formatted)).toEqual(note);
        expect(parseSignedNote(utf8(formatted))).toEqual(note);
      }),
      { numRuns: 300 },
    );
  });

  it('random and mutated inputs only ever produce a LiuhenError, quickly', () => {
    const publicKey = publicKeyFromSeed(seedA);
    const verifiers = [
      ed25519Verifier('a', publicKey),
      noteVerifier('a', SIG_TYPE_COSIGNATURE_V1, publicKey),
    ];
    const valid = utf8(formatSignedNote({ text: TEXT, signatures: [signNoteEd25519(TEXT, 'a', seedA)] }));
    const mutated = fc
      .tuple(fc.nat(), fc.integer({ min: 1, max: 255 }), fc.nat({ max: 3 }))
      .map(([at, xor, cut]) => {
        const bytes = valid.slice();
        bytes[at % bytes.length] = (bytes[at % bytes.length] as number) ^ xor;
        return bytes.subarray(0, bytes.length - cut);
      });
    const input = fc.oneof(fc.uint8Array({ maxLength: 200 }), tricky(200), mutated, fc.constant(valid));
    const start = performance.now();
    fc.assert(
      fc.property(input, (bytes) => {
        try {
          verifyNote(parseSignedNote(bytes), verifiers);
        } catch (error) {
          expect(error).toBeInstanceOf(LiuhenError);
        }
        try {
          parseVerifierKey(typeof bytes === 'string' ? bytes : new TextDecoder().decode(bytes));
        } catch (error) {
          expect(error).toBeInstanceOf(LiuhenError);
        }
      }),
      { numRuns: 2000 },
    );
    expect(performance.now() - start).toBeLessThan(5000);
  });

  it('parses the largest note the default limits allow in well under a second', () => {
    const line = `— a ${'A'.repeat(1200)}\n`;
    const note = `${'x\n'.repeat(2000)}\n${line.repeat(DEFAULT_MAX_SIGNATURES)}`;
    expect(utf8(note).length).toBeLessThanOrEqual(DEFAULT_MAX_NOTE_BYTES);
    const start = performance.now();
    expect(parseSignedNote(note).signatures).toHaveLength(DEFAULT_MAX_SIGNATURES);
    expect(performance.now() - start).toBeLessThan(1000);
  });
});
