import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromUtf8, toHex, u64be, utf8 } from '../src/bytes.ts';
import { formatCheckpoint } from '../src/checkpoint.ts';
import { cosign, cosignatureMessage, cosignatureVerifier, verifyCosignature } from '../src/cosignature.ts';
import { publicKeyFromSeed } from '../src/ed25519.ts';
import { failureCode, LiuhenError } from '../src/errors.ts';
import { sha256 } from '../src/hash.ts';
import {
  cosignatureTimestamp,
  ed25519Verifier,
  formatSignedNote,
  keyHash,
  type NoteSignature,
  parseSignedNote,
  SIG_TYPE_COSIGNATURE_V1,
  signNoteEd25519,
  verifyNote,
} from '../src/note.ts';
import { tricky } from './arbitraries.ts';

// c2sp.org/tlog-cosignature (github.com/C2SP/C2SP, tlog-cosignature.md): the example checkpoint,
// its example cosignature line, and the example signed message for the same timestamp.
const SPEC_CHECKPOINT =
  'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
const SPEC_COSIGNATURE_LINE =
  '— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n';
const SPEC_MESSAGE = `cosignature/v1\ntime 1679315147\n${SPEC_CHECKPOINT}`;

// github.com/sigsum/sigsum-go, pkg/checkpoint/checkpoint_test.go: TestCheckpointCosignVerify
// cosigns testCheckpoint with crypto.PrivateKey{17} at time 1234; TestCheckpointVerifyCosignatureByKey
// lists its line (second) between a wrong key ID (first), a wrong name (third) and a wrong size (fourth).
const SIGSUM_CHECKPOINT = 'example.org/log\n10\nHA5HAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n';
const SIGSUM_LINES = [
  '— example.org/witness yX8uUAAAAAAAAATSftMzceM8zssdZ9jin9SjwIxzx9iADMf63VqirX2hafol9RsqNqbofIz0LVRqHXI2kpEBSki5RTXFtxz1vo9+Cg==\n',
  '— example.org/witness ys8uUAAAAAAAAATSftMzceM8zssdZ9jin9SjwIxzx9iADMf63VqirX2hafol9RsqNqbofIz0LVRqHXI2kpEBSki5RTXFtxz1vo9+Cg==\n',
  '— example.org/witness-2 ys8uUAAAAAAAAATSftMzceM8zssdZ9jin9SjwIxzx9iADMf63VqirX2hafol9RsqNqbofIz0LVRqHXI2kpEBSki5RTXFtxz1vo9+Cg==\n',
  '— example.org/witness ys8uUAAAAAAAAATSftMzceM8zssdZ9jin9SjwIxzx9iADMf63VqirX2hafol9RsqNqbofIz0LVRqHXI2kpEBSki5RTXFtxz1vo9+CgXX\n',
] as const;
const sigsumSeed = new Uint8Array(32);
sigsumSeed[0] = 17;

// github.com/transparency-dev/formats, note/note_cosigv1_test.go (TestCosignatureTimestamp).
const TD_COSIGNATURE =
  'ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA==';
const TD_NOTE_SIGNATURE =
  'eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY=';

function signatureFromLine(line: string): NoteSignature {
  return parseSignedNote(`x\n\n${line}`).signatures[0] as NoteSignature;
}

const logSeed = sha256(utf8('liuhen cosignature test log'));
const witnessSeed = sha256(utf8('liuhen cosignature test witness 1'));
const witness2Seed = sha256(utf8('liuhen cosignature test witness 2'));
const checkpoint = formatCheckpoint({
  origin: 'liuhen.example/log',
  size: 42,
  rootHash: sha256(utf8('root')),
  extensions: ['height 7'],
});

describe('cosignature vectors', () => {
  it('builds the spec example message exactly', () => {
    expect(fromUtf8(cosignatureMessage(SPEC_CHECKPOINT, 1679315147))).toBe(SPEC_MESSAGE);
  });

  it('reads the spec example cosignature: key ID, then the timestamp of the example message', () => {
    const sig = signatureFromLine(SPEC_COSIGNATURE_LINE);
    expect(sig.name).toBe('witness.example.com/w1');
    expect(sig.signature).toHaveLength(72);
    expect(cosignatureTimestamp(sig)).toBe(1679315147);
  });

  it('reads the transparency-dev timestamp, refuses a plain Ed25519 note signature', () => {
    expect(cosignatureTimestamp(signatureFromLine(`— w ${TD_COSIGNATURE}\n`))).toBe(1727964367);
    expect(failureCode(() => cosignatureTimestamp(signatureFromLine(`— w ${TD_NOTE_SIGNATURE}\n`)))).toBe(
      'COSIGNATURE_MALFORMED',
    );
  });

  it('reproduces the sigsum cosignature byte for byte and verifies it', () => {
    const publicKey = publicKeyFromSeed(sigsumSeed);
    const sig = cosign(SIGSUM_CHECKPOINT, 'example.org/witness', sigsumSeed, 1234);
    expect(formatSignedNote({ text: SIGSUM_CHECKPOINT, signatures: [sig] })).toBe(
      `${SIGSUM_CHECKPOINT}\n${SIGSUM_LINES[1]}`,
    );
    expect(toHex(keyHash('example.org/witness', SIG_TYPE_COSIGNATURE_V1, publicKey))).toBe('cacf2e50');
    const witness = cosignatureVerifier('example.org/witness', publicKey);
    expect(verifyCosignature(SIGSUM_CHECKPOINT, signatureFromLine(SIGSUM_LINES[1]), witness)).toEqual({
      timestamp: 1234,
    });
  });

  it('picks the sigsum line that is the witness, and rejects the known-key line of the wrong size', () => {
    const witness = cosignatureVerifier('example.org/witness', publicKeyFromSeed(sigsumSeed));
    const note = parseSignedNote(`${SIGSUM_CHECKPOINT}\n${SIGSUM_LINES.slice(0, 3).join('')}`);
    expect(verifyNote(note, [witness])).toEqual([witness]);
    const withBad = parseSignedNote(`${SIGSUM_CHECKPOINT}\n${SIGSUM_LINES.join('')}`);
    expect(failureCode(() => verifyNote(withBad, [witness]))).toBe('COSIGNATURE_MALFORMED');
  });
});

describe('cosigning and verification', () => {
  const log = ed25519Verifier('liuhen.example/log', publicKeyFromSeed(logSeed));
  const w1 = cosignatureVerifier('w1.example/witness', publicKeyFromSeed(witnessSeed));
  const w2 = cosignatureVerifier('w2.example/witness', publicKeyFromSeed(witness2Seed));
  const sig1 = cosign(checkpoint, 'w1.example/witness', witnessSeed, 1_700_000_000);

  it('lays the signature out as key ID || u64 timestamp || Ed25519 signature', () => {
    expect(sig1.keyHash).toEqual(keyHash('w1.example/witness', 0x04, w1.publicKey));
    expect(sig1.signature.subarray(0, 8)).toEqual(u64be(1_700_000_000));
    expect(sig1.signature).toHaveLength(72);
  });

  it('checks the log signature and every cosignature in one verifyNote call', () => {
    const note = {
      text: checkpoint,
      signatures: [
        signNoteEd25519(checkpoint, 'liuhen.example/log', logSeed),
        sig1,
        cosign(checkpoint, 'w2.example/witness', witness2Seed, 1_700_000_001),
      ],
    };
    const parsed = parseSignedNote(formatSignedNote(note));
    expect(verifyNote(parsed, [log, w1, w2])).toEqual([log, w1, w2]);
    expect(verifyNote(parsed, [w2])).toEqual([w2]);
  });

  it('round-trips timestamps 0 and 2^53 − 1', () => {
    for (const timestamp of [0, Number.MAX_SAFE_INTEGER]) {
      const sig = cosign(checkpoint, 'w1.example/witness', witnessSeed, timestamp);
      expect(verifyCosignature(checkpoint, sig, w1)).toEqual({ timestamp });
    }
  });

  it('fails when the checkpoint, an extension line, the timestamp or the signature changes', () => {
    const otherSize = checkpoint.replace('\n42\n', '\n43\n');
    const otherExtension = checkpoint.replace('height 7', 'height 8');
    expect(failureCode(() => verifyCosignature(otherSize, sig1, w1))).toBe('SIGNATURE_INVALID');
    expect(failureCode(() => verifyCosignature(otherExtension, sig1, w1))).toBe('SIGNATURE_INVALID');
    for (let i = 0; i < sig1.signature.length; i++) {
      const signature = sig1.signature.slice();
      signature[i] = (signature[i] as number) ^ 1;
      // Bit 56 of the timestamp puts it beyond 2^53 − 1, which is refused before the signature check.
      const code = i === 0 ? 'COSIGNATURE_MALFORMED' : 'SIGNATURE_INVALID';
      expect(failureCode(() => verifyCosignature(checkpoint, { ...sig1, signature }, w1))).toBe(code);
    }
  });

  it('refuses a signature by another cosigner, and a verifier of the wrong type', () => {
    expect(failureCode(() => verifyCosignature(checkpoint, sig1, w2))).toBe('SIGNATURE_INVALID');
    const asLogKey = ed25519Verifier('w1.example/witness', w1.publicKey);
    expect(failureCode(() => verifyCosignature(checkpoint, sig1, asLogKey))).toBe('VKEY_MALFORMED');
    // Under an Ed25519 verifier of the same name and key, the key ID differs: the line is unknown.
    expect(failureCode(() => verifyNote({ text: checkpoint, signatures: [sig1] }, [asLogKey]))).toBe(
      'NOTE_UNSIGNED',
    );
  });

  it('refuses malformed cosignatures: wrong length, timestamp beyond 2^53 − 1', () => {
    const short = { ...sig1, signature: sig1.signature.subarray(0, 71) };
    expect(failureCode(() => verifyCosignature(checkpoint, short, w1))).toBe('COSIGNATURE_MALFORMED');
    const future = { ...sig1, signature: concatBytes(u64be(2n ** 53n), sig1.signature.subarray(8)) };
    expect(failureCode(() => verifyCosignature(checkpoint, future, w1))).toBe('COSIGNATURE_MALFORMED');
    const max = { ...sig1, signature: concatBytes(u64be(2n ** 64n - 1n), sig1.signature.subarray(8)) };
    expect(failureCode(() => verifyNote({ text: checkpoint, signatures: [max] }, [w1]))).toBe(
      'COSIGNATURE_MALFORMED',
    );
  });

  it.each([
    ['a negative timestamp', checkpoint, 'w', -1, 'COSIGNATURE_MALFORMED'],
    ['a fractional timestamp', checkpoint, 'w', 1.5, 'COSIGNATURE_MALFORMED'],
    ['an unsafe timestamp', checkpoint, 'w', 2 ** 53, 'COSIGNATURE_MALFORMED'],
    ['a NaN timestamp', checkpoint, 'w', Number.NaN, 'COSIGNATURE_MALFORMED'],
    ['a witness name with a space', checkpoint, 'w 1', 1, 'VKEY_MALFORMED'],
    ['an empty witness name', checkpoint, '', 1, 'VKEY_MALFORMED'],
    ['a text that is not a checkpoint', 'just a note\n', 'w', 1, 'CHECKPOINT_MALFORMED'],
  ])('refuses to cosign with %s', (_name, text, name, timestamp, code) => {
    expect(failureCode(() => cosign(text, name, witnessSeed, timestamp))).toBe(code);
  });

  it('refuses to verify against a text that is not a checkpoint', () => {
    expect(failureCode(() => verifyCosignature('just a note\n', sig1, w1))).toBe('CHECKPOINT_MALFORMED');
  });

  it('random and mutated cosignatures only ever produce a LiuhenError', () => {
    const sigBytes = fc.oneof(
      fc.uint8Array({ maxLength: 100 }),
      fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })).map(([at, xor]) => {
        const bytes = sig1.signature.slice();
        bytes[at % bytes.length] = (bytes[at % bytes.length] as number) ^ xor;
        return bytes;
      }),
    );
    fc.assert(
      fc.property(sigBytes, fc.oneof(fc.constant(checkpoint), tricky(80)), (signature, text) => {
        try {
          verifyCosignature(text, { ...sig1, signature }, w1);
        } catch (error) {
          expect(error).toBeInstanceOf(LiuhenError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
