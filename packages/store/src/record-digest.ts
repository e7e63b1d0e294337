/**
 * The index audit's one hash: HMAC-SHA-256 (@noble/hashes) of each short record, under a key
 * drawn at random for one audit and never stored or sent, XORed into a per-table accumulator.
 *
 * Why keyed: with a public hash, the XOR of record digests is a linear set hash, so whoever can
 * put records in the store could choose them so that a damaged table digests like an intact one
 * (solve a linear system over GF(2) on the known digests). Under a key unknown when the records
 * were written, each record's digest is an independent pseudo-random value to them.
 *
 * Why this way: HMAC's two keyed SHA-256 states are set up once per audit, and each record
 * copies them into one reused hasher (`_cloneInto`, part of noble's Hash interface) rather than
 * rebuilding them and allocating a digest; node:crypto costs more per call than a record does
 * (measured in docs/benchmarks.md). Noble must load as native ESM to be fast: turned into
 * CommonJS (tsx's require hook, which the verify workers use) every call between its modules
 * goes through a getter, ~10× slower — so the audit hashes on the thread that holds the key.
 */
import { type _HMAC, hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { randomBytes } from '@noble/hashes/utils.js';

/** Words of a 32-byte digest accumulator. */
export const DIGEST_WORDS = 8;

/** Bytes of an audit key, HMAC-SHA-256's output length. */
export const AUDIT_KEY_BYTES = 32;

type Mac = _HMAC<ReturnType<typeof sha256.create>>;

/** A reusable keyed hasher; not reentrant, one per audit. */
export class RecordDigester {
  readonly #keyed: Mac;
  #scratch: Mac;
  readonly #out = new Uint8Array(4 * DIGEST_WORDS);
  readonly #words = new Uint32Array(this.#out.buffer);

  /** A digester under `key`; by default a fresh random key. */
  constructor(key: Uint8Array = randomBytes(AUDIT_KEY_BYTES)) {
    this.#keyed = hmac.create(sha256, key);
    this.#scratch = this.#keyed.clone();
  }

  /** XORs HMAC(`a`[0, `aLength`) ‖ `b`) into the eight words of `acc`. */
  xorInto(acc: Uint32Array, a: Uint8Array, aLength: number, b?: Uint8Array): void {
    const mac = this.#keyed._cloneInto(this.#scratch);
    this.#scratch = mac;
    mac.update(aLength === a.length ? a : a.subarray(0, aLength));
    if (b !== undefined) mac.update(b);
    mac.digestInto(this.#out);
    const words = this.#words;
    for (let i = 0; i < DIGEST_WORDS; i++) acc[i] = (acc[i] as number) ^ (words[i] as number);
  }
}
