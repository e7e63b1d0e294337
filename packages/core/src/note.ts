/**
 * C2SP signed notes (c2sp.org/signed-note): a UTF-8 text ending in a newline, a blank line, then
 * one or more lines "— <key name> base64(key ID || signature)\n".
 *
 * Two signature types are verified: 0x01, Ed25519 over the text, and 0x04, the timestamped
 * Ed25519 witness cosignature of c2sp.org/tlog-cosignature. The 0x04 byte layout lives here, not
 * in cosignature.ts, because `verifyNote` must check it and cosignature.ts is built on this
 * module; keeping the dependency one-way avoids an import cycle.
 */
import { concatBytes, equalBytes, fromBase64, fromUtf8, toBase64, toHex, utf8 } from './bytes.ts';
import {
  importPublicKey,
  publicKeyFromSeed,
  SIGNATURE_SIZE,
  signMessage,
  verifySignature,
} from './ed25519.ts';
import { type ErrorCode, LiuhenError } from './errors.ts';
import { sha256 } from './hash.ts';

export const SIG_TYPE_ED25519 = 0x01;
export const SIG_TYPE_COSIGNATURE_V1 = 0x04;
export const KEY_HASH_SIZE = 4;
/** The limit of Go's golang.org/x/mod/sumdb/note; the spec requires accepting at least 16. */
export const DEFAULT_MAX_SIGNATURES = 100;
/**
 * The spec asks for at least 16 signatures and warns that post-quantum ones approach 5 kB:
 * 16 such lines in base64 are about 107 kB, so 128 KiB leaves room for the text.
 */
export const DEFAULT_MAX_NOTE_BYTES = 128 * 1024;

const SIGNATURE_PREFIX = '\u2014 ';
/** cosignature/v1 (Ed25519): u64 big-endian timestamp || 64-byte signature. */
const COSIGNATURE_V1_SIZE = 8 + SIGNATURE_SIZE;

export interface NoteSignature {
  readonly name: string;
  /** The 4-byte key ID. */
  readonly keyHash: Uint8Array;
  /** The bytes after the key ID, as the signature type defines them. */
  readonly signature: Uint8Array;
}

export interface SignedNote {
  /** The text including its final newline, without the blank separator line. */
  readonly text: string;
  readonly signatures: readonly NoteSignature[];
}

export interface NoteVerifier {
  readonly name: string;
  readonly keyHash: Uint8Array;
  readonly sigType: number;
  readonly publicKey: Uint8Array;
}

export interface ParseNoteOptions {
  readonly maxBytes?: number;
  readonly maxSignatures?: number;
}

function malformed(detail: string): never {
  throw new LiuhenError('NOTE_MALFORMED', detail);
}

function badVerifierKey(detail: string): never {
  throw new LiuhenError('VKEY_MALFORMED', detail);
}

/** ASCII control characters other than newline, which signed notes must not contain. */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 && c !== 0x0a) return true;
  }
  return false;
}

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The spec's rules for a note text: ends in a newline, no control character but newline. A JS
 * string must also be encodable as UTF-8 (no lone surrogate), and must not start with U+FEFF,
 * which the platform UTF-8 decoder drops, so the byte and string forms of the note would differ.
 */
export function assertNoteText(text: string, code: ErrorCode = 'NOTE_MALFORMED'): void {
  let problem: string | undefined;
  if (typeof text !== 'string' || !text.endsWith('\n')) problem = 'does not end in a newline';
  else if (hasControl(text)) problem = 'control character other than newline';
  else if (LONE_SURROGATE.test(text)) problem = 'lone surrogate, not encodable as UTF-8';
  else if (text.startsWith('\uFEFF')) problem = 'leading U+FEFF';
  if (problem !== undefined) throw new LiuhenError(code, problem);
}

/** Non-empty, no Unicode White_Space (as Go's unicode.IsSpace), no plus, encodable as UTF-8. */
const NAME_FORBIDDEN = /[\p{White_Space}+\p{Cs}]/u;

function isKeyName(name: string): boolean {
  return typeof name === 'string' && name !== '' && !NAME_FORBIDDEN.test(name) && !hasControl(name);
}

/** Key ID = SHA-256(key name || 0x0A || signature type || public key)[:4]. */
export function keyHash(name: string, sigType: number, publicKey: Uint8Array): Uint8Array {
  if (!isKeyName(name)) badVerifierKey('invalid key name');
  if (!Number.isInteger(sigType) || sigType < 0 || sigType > 0xff) {
    badVerifierKey('signature type is not a byte');
  }
  return sha256(concatBytes(utf8(name), Uint8Array.of(0x0a, sigType), publicKey)).slice(0, KEY_HASH_SIZE);
}

function decodeNote(input: string | Uint8Array, maxBytes: number): string {
  if (typeof input === 'string') {
    // UTF-8 is never shorter than UTF-16, so the cheap test bounds the cost of the exact one.
    if (input.length > maxBytes || utf8(input).length > maxBytes) malformed(`larger than ${maxBytes} bytes`);
    return input;
  }
  if (!(input instanceof Uint8Array)) malformed('expected a string or bytes');
  if (input.length > maxBytes) malformed(`larger than ${maxBytes} bytes`);
  // Checked on the bytes: the decoder would drop the mark silently.
  if (input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf) malformed('leading U+FEFF');
  try {
    return fromUtf8(input);
  } catch (cause) {
    throw new LiuhenError('NOTE_MALFORMED', 'not valid UTF-8', { cause });
  }
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(SIGNATURE_PREFIX)) malformed('signature line does not start with "— "');
  const rest = line.slice(SIGNATURE_PREFIX.length);
  const space = rest.indexOf(' ');
  const name = rest.slice(0, space);
  if (space < 0 || !isKeyName(name)) malformed('signature line has no valid key name');
  let bytes: Uint8Array;
  try {
    bytes = fromBase64(rest.slice(space + 1));
  } catch (cause) {
    throw new LiuhenError('NOTE_MALFORMED', 'signature is not canonical padded base64', { cause });
  }
  // A key ID and at least one signature byte, as the Go reference requires.
  if (bytes.length <= KEY_HASH_SIZE) malformed('signature shorter than 5 bytes');
  return { name, keyHash: bytes.slice(0, KEY_HASH_SIZE), signature: bytes.slice(KEY_HASH_SIZE) };
}

/**
 * Parses without verifying. Signatures from every key are kept, in order; `verifyNote` decides
 * which count. The text is separated from the signatures by the last blank line.
 */
export function parseSignedNote(input: string | Uint8Array, options: ParseNoteOptions = {}): SignedNote {
  const maxSignatures = options.maxSignatures ?? DEFAULT_MAX_SIGNATURES;
  const note = decodeNote(input, options.maxBytes ?? DEFAULT_MAX_NOTE_BYTES);
  assertNoteText(note);
  const split = note.lastIndexOf('\n\n');
  if (split < 0) malformed('no blank line before the signatures');
  // The note ends in a newline (checked above), so dropping it leaves exactly the lines.
  const lines = note.slice(split + 2, -1);
  if (lines === '') malformed('no signature lines');
  const signatureLines = lines.split('\n');
  if (signatureLines.length > maxSignatures) malformed(`more than ${maxSignatures} signatures`);
  return { text: note.slice(0, split + 1), signatures: signatureLines.map(parseSignatureLine) };
}

function formatSignatureLine(sig: NoteSignature): string {
  if (!isKeyName(sig.name)) malformed('invalid key name');
  if (!(sig.keyHash instanceof Uint8Array) || sig.keyHash.length !== KEY_HASH_SIZE) {
    malformed(`key ID must be ${KEY_HASH_SIZE} bytes`);
  }
  if (!(sig.signature instanceof Uint8Array) || sig.signature.length === 0) malformed('empty signature');
  return `${SIGNATURE_PREFIX}${sig.name} ${toBase64(concatBytes(sig.keyHash, sig.signature))}\n`;
}

/** The inverse of `parseSignedNote`; refuses anything that function would reject by default. */
export function formatSignedNote(note: SignedNote): string {
  assertNoteText(note.text);
  if (note.signatures.length === 0) malformed('no signatures');
  if (note.signatures.length > DEFAULT_MAX_SIGNATURES) {
    malformed(`more than ${DEFAULT_MAX_SIGNATURES} signatures`);
  }
  const out = `${note.text}\n${note.signatures.map(formatSignatureLine).join('')}`;
  if (utf8(out).length > DEFAULT_MAX_NOTE_BYTES) malformed(`larger than ${DEFAULT_MAX_NOTE_BYTES} bytes`);
  return out;
}

/** A type 0x01 signature: Ed25519 (RFC 8032) over the UTF-8 bytes of the text. */
export function signNoteEd25519(text: string, name: string, seed: Uint8Array): NoteSignature {
  assertNoteText(text);
  const id = keyHash(name, SIG_TYPE_ED25519, publicKeyFromSeed(seed));
  return { name, keyHash: id, signature: signMessage(seed, utf8(text)) };
}

function assertSupportedType(sigType: number): void {
  if (sigType !== SIG_TYPE_ED25519 && sigType !== SIG_TYPE_COSIGNATURE_V1) {
    badVerifierKey(`unsupported signature type ${sigType}`);
  }
}

/** A verifier for one of the two supported types; the key must pass `importPublicKey`. */
export function noteVerifier(name: string, sigType: number, publicKey: Uint8Array): NoteVerifier {
  assertSupportedType(sigType);
  const id = keyHash(name, sigType, publicKey);
  return { name, keyHash: id, sigType, publicKey: importPublicKey(publicKey).slice() };
}

export function ed25519Verifier(name: string, publicKey: Uint8Array): NoteVerifier {
  return noteVerifier(name, SIG_TYPE_ED25519, publicKey);
}

/**
 * Verifiers are plain data, so one built by hand must still agree with its own key ID. The key
 * itself is validated, once per key, by `verifySignature` when a signature line names it.
 */
function assertVerifier(v: NoteVerifier): void {
  assertSupportedType(v.sigType);
  if (!equalBytes(keyHash(v.name, v.sigType, v.publicKey), v.keyHash)) {
    badVerifierKey('key ID does not match the name, type and key');
  }
}

/** The vkey text form: "<name>+<8 lowercase hex digits of the key ID>+<base64(type || key)>". */
export function verifierKeyString(v: NoteVerifier): string {
  assertVerifier(v);
  importPublicKey(v.publicKey);
  return `${v.name}+${toHex(v.keyHash)}+${toBase64(concatBytes(Uint8Array.of(v.sigType), v.publicKey))}`;
}

const KEY_ID_HEX = /^[0-9a-f]{8}$/;

/** Strict: lowercase hex as printed by the Go reference, canonical base64, a matching key ID. */
export function parseVerifierKey(vkey: string): NoteVerifier {
  if (typeof vkey !== 'string') badVerifierKey('expected a string');
  // Names cannot contain "+", so the first two split the fields; base64 may contain more.
  const first = vkey.indexOf('+');
  const second = vkey.indexOf('+', first + 1);
  if (first < 0 || second < 0) badVerifierKey('expected <name>+<key ID>+<key>');
  const name = vkey.slice(0, first);
  const id = vkey.slice(first + 1, second);
  if (!KEY_ID_HEX.test(id)) badVerifierKey('key ID must be 8 lowercase hex digits');
  let typeAndKey: Uint8Array;
  try {
    typeAndKey = fromBase64(vkey.slice(second + 1));
  } catch (cause) {
    throw new LiuhenError('VKEY_MALFORMED', 'key is not canonical padded base64', { cause });
  }
  const sigType = typeAndKey[0];
  if (sigType === undefined) badVerifierKey('empty key');
  const publicKey = typeAndKey.subarray(1);
  // The ID is checked before the key is imported, so a mistyped vkey reports as such.
  if (toHex(keyHash(name, sigType, publicKey)) !== id) badVerifierKey('key ID does not match the key');
  return noteVerifier(name, sigType, publicKey);
}

/**
 * Reads the timestamp a cosignature/v1 signature claims, WITHOUT verifying it: seconds since
 * the epoch. Use `verifyCosignature` for a timestamp you can rely on.
 */
export function cosignatureTimestamp(sig: NoteSignature): number {
  const bytes = sig.signature;
  if (bytes.length !== COSIGNATURE_V1_SIZE) {
    throw new LiuhenError('COSIGNATURE_MALFORMED', `expected ${COSIGNATURE_V1_SIZE} signature bytes`);
  }
  const timestamp = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0);
  // The spec allows up to 2^63 − 1; a number holds 2^53 − 1 exactly, some 285 million years away.
  if (timestamp > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new LiuhenError('COSIGNATURE_MALFORMED', 'timestamp beyond 2^53 − 1');
  }
  return Number(timestamp);
}

/** The cosignature/v1 signed message: "cosignature/v1\n", "time <decimal>\n", then the note text. */
export function cosignatureMessage(text: string, timestamp: number): Uint8Array {
  assertNoteText(text);
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new LiuhenError('COSIGNATURE_MALFORMED', 'timestamp must be a non-negative safe integer');
  }
  return utf8(`cosignature/v1\ntime ${timestamp}\n${text}`);
}

function verifyOne(text: string, sig: NoteSignature, v: NoteVerifier): void {
  let ok: boolean;
  if (v.sigType === SIG_TYPE_ED25519) {
    ok = verifySignature(v.publicKey, utf8(text), sig.signature);
  } else {
    const message = cosignatureMessage(text, cosignatureTimestamp(sig));
    ok = verifySignature(v.publicKey, message, sig.signature.subarray(8));
  }
  if (!ok) throw new LiuhenError('SIGNATURE_INVALID', `bad signature by ${v.name}+${toHex(v.keyHash)}`);
}

function assertUnambiguous(verifiers: readonly NoteVerifier[]): void {
  for (let i = 0; i < verifiers.length; i++) {
    for (let j = i + 1; j < verifiers.length; j++) {
      const a = verifiers[i] as NoteVerifier;
      const b = verifiers[j] as NoteVerifier;
      const sameId = a.name === b.name && equalBytes(a.keyHash, b.keyHash);
      if (sameId && (a.sigType !== b.sigType || !equalBytes(a.publicKey, b.publicKey))) {
        throw new LiuhenError('VKEY_AMBIGUOUS', `${a.name}+${toHex(a.keyHash)}`);
      }
    }
  }
}

/**
 * Returns the known verifiers with a valid signature on the note, each once, in signature order.
 * Lines from unknown keys (name and key ID not both matching) are ignored, as the spec requires;
 * a line from a known key that does not verify rejects the whole note (the spec's SHOULD, and
 * what the Go reference does). Throws NOTE_UNSIGNED if no known key signed.
 */
export function verifyNote(note: SignedNote, verifiers: readonly NoteVerifier[]): NoteVerifier[] {
  assertNoteText(note.text);
  for (const v of verifiers) assertVerifier(v);
  assertUnambiguous(verifiers);
  const verified: NoteVerifier[] = [];
  for (const sig of note.signatures) {
    const v = verifiers.find((k) => k.name === sig.name && equalBytes(k.keyHash, sig.keyHash));
    if (v === undefined) continue;
    verifyOne(note.text, sig, v);
    if (!verified.includes(v)) verified.push(v);
  }
  if (verified.length === 0) throw new LiuhenError('NOTE_UNSIGNED');
  return verified;
}
