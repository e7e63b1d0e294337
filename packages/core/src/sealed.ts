/**
 * Sealed sections (DESIGN §11, docs/protocol.md §15): an entry's restricted fields, encrypted so
 * that every node can store, replicate and verify the entry while only the orgs it names can read
 * them.
 *
 *   plaintext   = deterministic CBOR of the restricted fields (a map)
 *   ciphertext  = XChaCha20-Poly1305(data key, nonce, aad = "liuhen/sealed/v1\n" ‖ CBOR(context), plaintext)
 *   wrappedKey  = XChaCha20-Poly1305(KEK, wrap nonce, aad = "", data key), per recipient, where
 *   KEK ‖ wrap nonce = HKDF-SHA256(X25519(ephemeral secret, recipient key), salt = none,
 *                       info = "liuhen/sealed/v1/wrap\n" ‖ CBOR(context + recipient + key id +
 *                       ephemeral + SHA-256(ciphertext)), 56 bytes)
 *
 * The data key is fresh per entry; one ephemeral X25519 key per entry serves every recipient
 * (each recipient's static key makes its shared secret distinct, and the info binds both keys).
 * The entry signature and Merkle leaf cover the sealed map like any other field, so integrity
 * never needs a decryption key. The context (network, author org, object, kind) is in the AEAD's
 * associated data and in every wrap's derivation, and the wrap also binds the ciphertext's hash:
 * a section or a wrap copied into another entry does not open there.
 *
 * A grant (an `org.access-grant` entry on the granting org's log) carries a further set of wraps
 * of the same data key, with its own ephemeral key, citing the sealed entry by id; the original
 * entry's bytes, id and signature never change.
 *
 * Pure apart from `rng` (default: the platform CSPRNG). X25519, HKDF and XChaCha20-Poly1305 go
 * through the crypto backend (OpenSSL in Node, noble elsewhere). Without an rng, the ephemeral
 * key pair comes from the backend, which never hands its secret out; with one, the ephemeral
 * secret is drawn from it, so a fixed rng gives fixed bytes (tests, protocol examples).
 */
import { randomBytes } from '@noble/hashes/utils.js';
import { backend as defaultBackend } from '#backend';
import type { CryptoBackend } from './backend/types.ts';
import { compareBytes, concatBytes, equalBytes, toHex, utf8 } from './bytes.ts';
import { type CborValue, decodeCanonical, encodeCanonical, isCborMap } from './cbor.ts';
import { buildEntry, type CborMap, type Entry, KIND, MAX_LIST_ITEMS, ORG_ID } from './entry.ts';
import { type ErrorCode, LiuhenError } from './errors.ts';
import { sha256 } from './hash.ts';

export const SEAL_VERSION = 1;
/** Prefix of the ciphertext's associated data. */
export const SEAL_CONTENT_CONTEXT = utf8('liuhen/sealed/v1\n');
/** Prefix of each wrap's HKDF info. */
export const SEAL_WRAP_CONTEXT = utf8('liuhen/sealed/v1/wrap\n');
export const ENCRYPTION_KEY_SIZE = 32;
/** A key id is the full SHA-256 of the X25519 public key. */
export const KEY_ID_SIZE = 32;
export const DATA_KEY_SIZE = 32;
export const SEAL_NONCE_SIZE = 24;
export const AEAD_TAG_SIZE = 16;
export const WRAPPED_KEY_SIZE = DATA_KEY_SIZE + AEAD_TAG_SIZE;
export const MAX_RECIPIENTS = MAX_LIST_ITEMS;

/** What a sealed section is bound to: the fields of its entry that name where it belongs. */
export interface SealContext {
  readonly network: Uint8Array;
  /** The author org: the org whose log holds the entry. */
  readonly org: string;
  readonly object: string;
  readonly kind: string;
  /** The entry id, when known; only for error messages (the id covers the section itself). */
  readonly id?: Uint8Array;
}

/** An org the data key is wrapped to, with its governance-published X25519 key. */
export interface SealRecipient {
  readonly org: string;
  readonly publicKey: Uint8Array;
  /** SHA-256 of `publicKey`; checked when given. */
  readonly keyId?: Uint8Array;
}

/** One recipient's copy of the data key. */
export interface Wrap {
  readonly org: string;
  readonly keyId: Uint8Array;
  readonly wrappedKey: Uint8Array;
}

/** Wraps made with one ephemeral key: a sealed section's, or a grant's. */
export interface WrapSet {
  readonly ephemeral: Uint8Array;
  /** Strictly ascending by org, then key id. */
  readonly recipients: readonly Wrap[];
}

export interface SealedSection extends WrapSet {
  readonly version: typeof SEAL_VERSION;
  readonly nonce: Uint8Array;
  readonly ciphertext: Uint8Array;
}

export interface EncryptionKeyPair {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly keyId: Uint8Array;
}

/** A private X25519 key, raw or with its public key and id already derived. */
export type EncryptionSecret = Uint8Array | EncryptionKeyPair;

/** Random bytes of the given length; tests pass a deterministic one. */
export type Rng = (length: number) => Uint8Array;

export interface SealOptions {
  readonly rng?: Rng;
  /** Defaults to node:crypto in Node and noble elsewhere. */
  readonly backend?: CryptoBackend;
}

export interface UnsealOptions {
  /** Wrap sets of checked grants of the entry (`checkGrant`), searched after the entry's own. */
  readonly grants?: readonly WrapSet[];
  readonly backend?: CryptoBackend;
}

function fail(code: ErrorCode, detail: string, cause?: unknown): never {
  throw new LiuhenError(code, detail, cause === undefined ? undefined : { cause });
}

// ---------------------------------------------------------------------------------------------
// Encryption keys

const P = 2n ** 255n - 19n;

function littleEndian(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
}

const P_BYTES = littleEndian(P);

/**
 * Canonical u-coordinates of the points of order 1, 2, 4 and 8 (libsodium's list without its
 * non-canonical entries p and p + 1): X25519 with any of them yields the all-zero secret.
 */
const LOW_ORDER = [
  0n,
  1n,
  325606250916557431795983626356110631294008115727848805560023387167927233504n,
  39382357235489614581723060781553021112529911719440698176882885853963445705823n,
  P - 1n,
].map(littleEndian);

/** Whether a 32-byte little-endian number is below p, compared from its most significant byte. */
function belowP(raw: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const a = raw[i] as number;
    const b = P_BYTES[i] as number;
    if (a !== b) return a < b;
  }
  return false;
}

/**
 * Validates an X25519 public key for publication or use: 32 bytes, canonical (bit 255 clear,
 * u < p; RFC 7748 tolerates both, we accept one spelling only), not of small order. Returns the
 * same bytes. SEAL_KEY_INVALID otherwise.
 */
export function importEncryptionKey(raw: Uint8Array): Uint8Array {
  if (!(raw instanceof Uint8Array) || raw.length !== ENCRYPTION_KEY_SIZE)
    fail('SEAL_KEY_INVALID', `an X25519 public key must be ${ENCRYPTION_KEY_SIZE} bytes`);
  // Bit 255 set makes the number at least 2^255 > p, so belowP refuses that spelling as well.
  if (!belowP(raw)) fail('SEAL_KEY_INVALID', 'the X25519 public key is not a canonical u-coordinate');
  if (LOW_ORDER.some((point) => equalBytes(point, raw)))
    fail('SEAL_KEY_INVALID', 'the X25519 public key has small order');
  return raw;
}

/** The key id of an X25519 public key: SHA-256 of its 32 bytes. */
export function encryptionKeyId(publicKey: Uint8Array): Uint8Array {
  return sha256(importEncryptionKey(publicKey));
}

/** The public key and key id for a 32-byte X25519 secret. */
export function encryptionKeyPair(
  secretKey: Uint8Array,
  options: { backend?: CryptoBackend } = {},
): EncryptionKeyPair {
  if (!(secretKey instanceof Uint8Array) || secretKey.length !== ENCRYPTION_KEY_SIZE)
    fail('SEAL_KEY_INVALID', `an X25519 secret key must be ${ENCRYPTION_KEY_SIZE} bytes`);
  const publicKey = (options.backend ?? defaultBackend).x25519PublicKey(secretKey);
  return { secretKey, publicKey, keyId: encryptionKeyId(publicKey) };
}

/** A new X25519 key pair for an org's encryption key. */
export function generateEncryptionKeyPair(options: SealOptions = {}): EncryptionKeyPair {
  return encryptionKeyPair(draw(options.rng ?? randomBytes, ENCRYPTION_KEY_SIZE), options);
}

function draw(rng: Rng, length: number): Uint8Array {
  const bytes = rng(length);
  if (!(bytes instanceof Uint8Array) || bytes.length !== length)
    throw new TypeError(`rng returned ${bytes?.length} bytes, not ${length}`);
  return bytes;
}

function keyPairOf(secret: EncryptionSecret, backend: CryptoBackend): EncryptionKeyPair {
  return secret instanceof Uint8Array ? encryptionKeyPair(secret, { backend }) : secret;
}

function nonZero(shared: Uint8Array): Uint8Array {
  // Unreachable for keys that passed importEncryptionKey; kept as RFC 7748 §6.1 asks.
  if (shared.every((b) => b === 0)) fail('SEAL_KEY_INVALID', 'X25519 gave the all-zero secret');
  return shared;
}

function dh(backend: CryptoBackend, secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  return nonZero(backend.x25519(secretKey, publicKey));
}

// ---------------------------------------------------------------------------------------------
// The byte format

const OBJECT_ID = /^[^\p{Cc}\p{Cs}]{1,256}$/u;

function checkContext(context: SealContext): void {
  if (!(context.network instanceof Uint8Array) || context.network.length !== 32)
    fail('SEAL_MALFORMED', 'context.network: expected 32 bytes');
  if (typeof context.org !== 'string' || !ORG_ID.test(context.org))
    fail('SEAL_MALFORMED', 'context.org: expected an org id');
  if (typeof context.object !== 'string' || !OBJECT_ID.test(context.object))
    fail('SEAL_MALFORMED', 'context.object: expected an object id');
  if (typeof context.kind !== 'string' || !KIND.test(context.kind))
    fail('SEAL_MALFORMED', 'context.kind: expected an entry kind');
}

/** The context of an entry (or of a draft about to be sealed). */
export function sealContext(
  entry: Pick<Entry, 'network' | 'org' | 'object' | 'kind'>,
  id?: Uint8Array,
): SealContext {
  const { network, org, object, kind } = entry;
  return id === undefined ? { network, org, object, kind } : { network, org, object, kind, id };
}

function where(context: SealContext): string {
  return context.id === undefined
    ? `entry of "${context.org}" on ${context.object}`
    : `entry ${toHex(context.id)}`;
}

function contentAad(context: SealContext): Uint8Array {
  const { org, kind, object, network } = context;
  return concatBytes(SEAL_CONTENT_CONTEXT, encodeCanonical({ org, kind, object, network }));
}

function wrapInfo(
  context: SealContext,
  recipient: string,
  keyId: Uint8Array,
  ephemeral: Uint8Array,
  ciphertextHash: Uint8Array,
): Uint8Array {
  const { org, kind, object, network } = context;
  const map: CborMap = { org, kind, keyId, object, network, ephemeral, recipient, ciphertextHash };
  return concatBytes(SEAL_WRAP_CONTEXT, encodeCanonical(map));
}

const NO_AAD = new Uint8Array(0);

/** Runs `use` with a wrap's KEK and nonce (HKDF of the shared secret and the wrap's info), then wipes them. */
function withWrapKey<T>(
  backend: CryptoBackend,
  shared: Uint8Array,
  info: Uint8Array,
  use: (kek: Uint8Array, nonce: Uint8Array) => T,
): T {
  const okm = backend.hkdfSha256(shared, info, DATA_KEY_SIZE + SEAL_NONCE_SIZE);
  try {
    return use(okm.subarray(0, DATA_KEY_SIZE), okm.subarray(DATA_KEY_SIZE));
  } finally {
    okm.fill(0);
  }
}

function bytesOf(value: CborValue | undefined, field: string, length?: number): Uint8Array {
  if (!(value instanceof Uint8Array) || (length !== undefined && value.length !== length))
    fail(
      'SEAL_MALFORMED',
      `${field}: expected ${length === undefined ? 'a byte string' : `${length} bytes`}`,
    );
  return value;
}

function exactKeys(
  value: CborValue | undefined,
  field: string,
  required: readonly string[],
  optional: readonly string[] = [],
): CborMap {
  if (!isCborMap(value)) fail('SEAL_MALFORMED', `${field}: expected a map`);
  for (const key of Object.keys(value))
    if (!required.includes(key) && !optional.includes(key))
      fail('SEAL_MALFORMED', `${field}: unknown key "${key}"`);
  for (const key of required)
    if (value[key] === undefined) fail('SEAL_MALFORMED', `${field}: missing key "${key}"`);
  return value;
}

function compareWraps(a: { org: string; keyId: Uint8Array }, b: { org: string; keyId: Uint8Array }): number {
  // Org ids are ASCII, so string order is the bytewise order of their UTF-8.
  if (a.org !== b.org) return a.org < b.org ? -1 : 1;
  return compareBytes(a.keyId, b.keyId);
}

function recipientsOf(value: CborValue | undefined, field: string): Wrap[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_RECIPIENTS)
    fail('SEAL_MALFORMED', `${field}: expected 1 to ${MAX_RECIPIENTS} recipients`);
  const wraps = value.map((item, i): Wrap => {
    const at = `${field}[${i}]`;
    const map = exactKeys(item, at, ['org', 'keyId', 'wrappedKey']);
    if (typeof map.org !== 'string' || !ORG_ID.test(map.org))
      fail('SEAL_MALFORMED', `${at}.org: expected an org id`);
    return {
      org: map.org,
      keyId: bytesOf(map.keyId, `${at}.keyId`, KEY_ID_SIZE),
      wrappedKey: bytesOf(map.wrappedKey, `${at}.wrappedKey`, WRAPPED_KEY_SIZE),
    };
  });
  for (let i = 1; i < wraps.length; i++) {
    if (compareWraps(wraps[i - 1] as Wrap, wraps[i] as Wrap) >= 0)
      fail('SEAL_MALFORMED', `${field}: must be strictly ascending by org, then key id`);
  }
  return wraps;
}

function ephemeralOf(value: CborValue | undefined, field: string): Uint8Array {
  const ephemeral = bytesOf(value, field, ENCRYPTION_KEY_SIZE);
  try {
    return importEncryptionKey(ephemeral);
  } catch (error) {
    return fail('SEAL_MALFORMED', `${field}: ${(error as Error).message}`, error);
  }
}

/** Sections that came out of parseSealed, so passing one back skips the checks. */
const parsedSections = new WeakSet<object>();

/** Checks an entry's `sealed` map against §15 and returns it typed. SEAL_MALFORMED otherwise. */
export function parseSealed(value: CborValue | SealedSection | undefined): SealedSection {
  const map = exactKeys(value as CborValue | undefined, 'sealed', [
    'version',
    'nonce',
    'ephemeral',
    'ciphertext',
    'recipients',
  ]);
  if (map.version !== SEAL_VERSION) fail('SEAL_MALFORMED', `sealed.version: expected ${SEAL_VERSION}`);
  const ciphertext = bytesOf(map.ciphertext, 'sealed.ciphertext');
  // The smallest plaintext is one byte (a map head), so at least one byte precedes the tag.
  if (ciphertext.length <= AEAD_TAG_SIZE)
    fail('SEAL_MALFORMED', `sealed.ciphertext: expected more than ${AEAD_TAG_SIZE} bytes`);
  const section: SealedSection = {
    version: SEAL_VERSION,
    nonce: bytesOf(map.nonce, 'sealed.nonce', SEAL_NONCE_SIZE),
    ephemeral: ephemeralOf(map.ephemeral, 'sealed.ephemeral'),
    ciphertext,
    recipients: Object.freeze(recipientsOf(map.recipients, 'sealed.recipients').map((w) => Object.freeze(w))),
  };
  // Frozen, so a section in the set is still the one that was checked.
  Object.freeze(section);
  parsedSections.add(section);
  return section;
}

/** Checks a grant body's wrap set (`ephemeral`, `recipients`); SEAL_MALFORMED otherwise. */
export function parseWrapSet(value: CborValue | undefined, field = 'wraps'): WrapSet {
  const map = exactKeys(value, field, ['ephemeral', 'recipients']);
  return {
    ephemeral: ephemeralOf(map.ephemeral, `${field}.ephemeral`),
    recipients: recipientsOf(map.recipients, `${field}.recipients`),
  };
}

function wrapsToCbor(wraps: readonly Wrap[]): CborValue[] {
  return wraps.map((w) => ({ org: w.org, keyId: w.keyId, wrappedKey: w.wrappedKey }));
}

/** The `sealed` map of an entry, keys in canonical order. */
export function sealedToCbor(section: SealedSection): CborMap {
  return {
    nonce: section.nonce,
    version: section.version,
    ephemeral: section.ephemeral,
    ciphertext: section.ciphertext,
    recipients: wrapsToCbor(section.recipients),
  };
}

export function wrapSetToCbor(set: WrapSet): CborMap {
  return { ephemeral: set.ephemeral, recipients: wrapsToCbor(set.recipients) };
}

/** The orgs holding a wrap in the section or in the given grants' wrap sets, ascending, once each. */
export function sealedReaders(
  sealed: CborValue | SealedSection | undefined,
  grants: readonly WrapSet[] = [],
): string[] {
  const section = sectionOf(sealed);
  const orgs = new Set<string>();
  for (const set of [section, ...grants]) for (const w of set.recipients) orgs.add(w.org);
  return [...orgs].sort();
}

function sectionOf(sealed: CborValue | SealedSection | undefined): SealedSection {
  return typeof sealed === 'object' && sealed !== null && parsedSections.has(sealed)
    ? (sealed as SealedSection)
    : parseSealed(sealed);
}

// ---------------------------------------------------------------------------------------------
// Sealing

/**
 * Splits a body into the fields that stay plain and the map to seal, by top-level field name
 * (the profile says which are restricted). `restricted` is undefined when nothing is.
 */
export function splitRestricted(
  body: CborMap,
  isRestricted: (field: string) => boolean,
): { readonly body: CborMap; readonly restricted: CborMap | undefined } {
  const plain: CborMap = {};
  const sealed: CborMap = {};
  for (const [field, value] of Object.entries(body)) {
    if (isRestricted(field)) sealed[field] = value;
    else plain[field] = value;
  }
  return { body: plain, restricted: Object.keys(sealed).length === 0 ? undefined : sealed };
}

function normaliseRecipients(
  recipients: readonly SealRecipient[],
): { org: string; publicKey: Uint8Array; keyId: Uint8Array }[] {
  if (!Array.isArray(recipients) || recipients.length === 0 || recipients.length > MAX_RECIPIENTS)
    fail('SEAL_MALFORMED', `recipients: expected 1 to ${MAX_RECIPIENTS}`);
  const list = recipients.map((r, i) => {
    if (typeof r.org !== 'string' || !ORG_ID.test(r.org))
      fail('SEAL_MALFORMED', `recipients[${i}].org: expected an org id`);
    const keyId = encryptionKeyId(r.publicKey);
    if (r.keyId !== undefined && !equalBytes(r.keyId, keyId))
      fail('SEAL_KEY_INVALID', `recipients[${i}].keyId: is not SHA-256 of the public key`);
    return { org: r.org, publicKey: r.publicKey, keyId };
  });
  list.sort(compareWraps);
  for (let i = 1; i < list.length; i++) {
    const a = list[i - 1] as (typeof list)[number];
    if (compareWraps(a, list[i] as (typeof list)[number]) === 0)
      fail('SEAL_MALFORMED', `recipients: "${a.org}" key ${toHex(a.keyId)} is listed twice`);
  }
  return list;
}

/**
 * The ephemeral public key and its shared secret with each key: drawn from `rng` when the caller
 * gave one (deterministic), else made by the backend (the secret never reaches JavaScript).
 */
function ephemeralAgreement(
  publicKeys: readonly Uint8Array[],
  rng: Rng | undefined,
  backend: CryptoBackend,
): { publicKey: Uint8Array; shared: Uint8Array[] } {
  if (rng === undefined) {
    const agreement = backend.x25519Ephemeral(publicKeys);
    agreement.shared.forEach(nonZero);
    return agreement;
  }
  const secret = draw(rng, ENCRYPTION_KEY_SIZE);
  try {
    return {
      publicKey: backend.x25519PublicKey(secret),
      shared: publicKeys.map((publicKey) => dh(backend, secret, publicKey)),
    };
  } finally {
    secret.fill(0);
  }
}

function makeWraps(
  dataKey: Uint8Array,
  recipients: readonly SealRecipient[],
  context: SealContext,
  ciphertext: Uint8Array,
  rng: Rng | undefined,
  backend: CryptoBackend,
): WrapSet {
  const list = normaliseRecipients(recipients);
  const { publicKey: ephemeral, shared } = ephemeralAgreement(
    list.map((r) => r.publicKey),
    rng,
    backend,
  );
  try {
    const ciphertextHash = sha256(ciphertext);
    const wraps = list.map((r, i) => {
      const info = wrapInfo(context, r.org, r.keyId, ephemeral, ciphertextHash);
      const wrappedKey = withWrapKey(backend, shared[i] as Uint8Array, info, (kek, nonce) =>
        backend.xchacha20poly1305Seal(kek, nonce, NO_AAD, dataKey),
      );
      return { org: r.org, keyId: r.keyId, wrappedKey };
    });
    return { ephemeral, recipients: wraps };
  } finally {
    for (const secret of shared) secret.fill(0);
  }
}

function sealOptionsOf(options: SealOptions | Rng): { rng: Rng | undefined; backend: CryptoBackend } {
  const { rng, backend = defaultBackend } = typeof options === 'function' ? { rng: options } : options;
  return { rng, backend };
}

/**
 * Seals `plain` (the restricted fields, a non-empty map) for `recipients` and returns the entry's
 * `sealed` map. A given rng is drawn in this order: data key (32), nonce (24), ephemeral secret
 * (32); without one, the data key and nonce come from the platform CSPRNG and the ephemeral key
 * pair from the backend (`x25519Ephemeral`), which is cheaper in Node than importing a secret.
 */
export function sealFields(
  plain: CborMap,
  recipients: readonly SealRecipient[],
  context: SealContext,
  options: SealOptions | Rng = {},
): CborMap {
  const { rng, backend } = sealOptionsOf(options);
  checkContext(context);
  if (!isCborMap(plain) || Object.keys(plain).length === 0)
    fail('SEAL_MALFORMED', 'the sealed fields must be a non-empty map');
  const plaintext = encodeCanonical(plain);
  const dataKey = draw(rng ?? randomBytes, DATA_KEY_SIZE);
  try {
    const nonce = draw(rng ?? randomBytes, SEAL_NONCE_SIZE);
    const ciphertext = backend.xchacha20poly1305Seal(dataKey, nonce, contentAad(context), plaintext);
    const wraps = makeWraps(dataKey, recipients, context, ciphertext, rng, backend);
    return sealedToCbor({ version: SEAL_VERSION, nonce, ciphertext, ...wraps });
  } finally {
    dataKey.fill(0);
  }
}

// ---------------------------------------------------------------------------------------------
// Unsealing

function openContent(
  section: SealedSection,
  dataKey: Uint8Array,
  context: SealContext,
  backend: CryptoBackend,
): CborMap {
  let plaintext: Uint8Array;
  try {
    plaintext = backend.xchacha20poly1305Open(
      dataKey,
      section.nonce,
      contentAad(context),
      section.ciphertext,
    );
  } catch (error) {
    return fail(
      'SEAL_AEAD_FAILED',
      `${where(context)}, sealed.ciphertext: does not authenticate under its data key in this context`,
      error,
    );
  }
  let value: CborValue;
  try {
    value = decodeCanonical(plaintext, { maxBytes: plaintext.length });
  } catch (error) {
    return fail('SEAL_MALFORMED', `${where(context)}, sealed plaintext: ${(error as Error).message}`, error);
  }
  if (!isCborMap(value) || Object.keys(value).length === 0)
    fail('SEAL_MALFORMED', `${where(context)}, sealed plaintext: expected a non-empty map`);
  return value;
}

/**
 * Tries `org`'s wraps made for one of `keys` — the section's, then each grant's, in order —
 * until one gives a data key that opens the content. A wrap that fails is skipped, so a bogus
 * wrap in a grant cannot hide a good one; when none succeeds, the first failure is thrown
 * (SEAL_AEAD_FAILED, or SEAL_MALFORMED for a plaintext that is not a map), and when none was
 * tried, SEAL_NOT_RECIPIENT (the org holds no wrap) or SEAL_WRONG_KEY (none for a key given).
 */
function openSection(
  section: SealedSection,
  org: string,
  keys: EncryptionSecret | readonly EncryptionSecret[],
  context: SealContext,
  options: UnsealOptions,
): { dataKey: Uint8Array; fields: CborMap } {
  const backend = options.backend ?? defaultBackend;
  checkContext(context);
  const sets: { set: WrapSet; field: string }[] = [
    { set: section, field: 'sealed.recipients' },
    ...(options.grants ?? []).map((set, i) => ({ set, field: `grants[${i}].recipients` })),
  ];
  const pairs = (Array.isArray(keys) ? keys : [keys]).map((k) => keyPairOf(k as EncryptionSecret, backend));
  const ciphertextHash = sha256(section.ciphertext);
  let held = false;
  let failure: unknown;
  for (const { set, field } of sets) {
    for (const [i, wrap] of set.recipients.entries()) {
      if (wrap.org !== org) continue;
      held = true;
      const pair = pairs.find((p) => equalBytes(p.keyId, wrap.keyId));
      if (pair === undefined) continue;
      const shared = dh(backend, pair.secretKey, set.ephemeral);
      const info = wrapInfo(context, org, wrap.keyId, set.ephemeral, ciphertextHash);
      let dataKey: Uint8Array;
      try {
        dataKey = withWrapKey(backend, shared, info, (kek, nonce) =>
          backend.xchacha20poly1305Open(kek, nonce, NO_AAD, wrap.wrappedKey),
        );
      } catch (error) {
        failure ??= new LiuhenError(
          'SEAL_AEAD_FAILED',
          `${where(context)}, ${field}[${i}] ("${org}"): the wrapped key does not open; the ciphertext or the wrap was altered or comes from another entry`,
          { cause: error },
        );
        continue;
      } finally {
        shared.fill(0);
      }
      try {
        return { dataKey, fields: openContent(section, dataKey, context, backend) };
      } catch (error) {
        dataKey.fill(0);
        failure ??= error;
      }
    }
  }
  if (failure !== undefined) throw failure;
  if (!held) fail('SEAL_NOT_RECIPIENT', `${where(context)}: "${org}" holds no wrapped key`);
  return fail('SEAL_WRONG_KEY', `${where(context)}: no key given matches a wrapped key of "${org}"`);
}

/**
 * The data key of a sealed section, unwrapped with the org's key(s) and checked against the
 * ciphertext (see `openSection` for the order and the errors). For a grantor, or a reader that
 * caches data keys; `unsealFields` is the usual call.
 */
export function unwrapDataKey(
  sealed: CborValue | SealedSection | undefined,
  org: string,
  keys: EncryptionSecret | readonly EncryptionSecret[],
  context: SealContext,
  options: UnsealOptions = {},
): Uint8Array {
  return openSection(sectionOf(sealed), org, keys, context, options).dataKey;
}

/** Opens a sealed section with the org's private key(s) and returns the restricted fields. */
export function unsealFields(
  sealed: CborValue | SealedSection | undefined,
  org: string,
  keys: EncryptionSecret | readonly EncryptionSecret[],
  context: SealContext,
  options: UnsealOptions = {},
): CborMap {
  const { dataKey, fields } = openSection(sectionOf(sealed), org, keys, context, options);
  dataKey.fill(0);
  return fields;
}

/** Opens a sealed section with its data key (held by the author, or unwrapped earlier). */
export function unsealWithDataKey(
  sealed: CborValue | SealedSection | undefined,
  dataKey: Uint8Array,
  context: SealContext,
  options: { readonly backend?: CryptoBackend } = {},
): CborMap {
  checkContext(context);
  if (!(dataKey instanceof Uint8Array) || dataKey.length !== DATA_KEY_SIZE)
    fail('SEAL_KEY_INVALID', `a data key must be ${DATA_KEY_SIZE} bytes`);
  return openContent(sectionOf(sealed), dataKey, context, options.backend ?? defaultBackend);
}

/** `unsealFields` for a decoded entry: its own context, its id named in errors. */
export function unsealEntry(
  signed: { readonly entry: Entry; readonly id?: Uint8Array },
  org: string,
  keys: EncryptionSecret | readonly EncryptionSecret[],
  options: UnsealOptions = {},
): CborMap {
  if (signed.entry.sealed === undefined) fail('SEAL_MALFORMED', 'the entry has no sealed section');
  return unsealFields(signed.entry.sealed, org, keys, sealContext(signed.entry, signed.id), options);
}

// ---------------------------------------------------------------------------------------------
// Grants

/** Who grants: an org that can unwrap the data key with its own key, or a holder of the key. */
export type Grantor =
  | {
      readonly org: string;
      readonly keys: EncryptionSecret | readonly EncryptionSecret[];
      readonly grants?: readonly WrapSet[];
    }
  | { readonly dataKey: Uint8Array };

/**
 * New wraps of a sealed section's data key for `recipients`, under a fresh ephemeral key, bound
 * to the same context and ciphertext as the section's own. The grantor's key must open the
 * section completely (a grant of an unreadable section is refused with the unseal error), so a
 * grant never passes on a key that does not decrypt.
 */
export function grantWraps(
  sealed: CborValue | SealedSection | undefined,
  grantor: Grantor,
  recipients: readonly SealRecipient[],
  context: SealContext,
  options: SealOptions | Rng = {},
): WrapSet {
  const { rng, backend } = sealOptionsOf(options);
  const section = sectionOf(sealed);
  checkContext(context);
  let dataKey: Uint8Array;
  if ('dataKey' in grantor) {
    if (!(grantor.dataKey instanceof Uint8Array) || grantor.dataKey.length !== DATA_KEY_SIZE)
      fail('SEAL_KEY_INVALID', `a data key must be ${DATA_KEY_SIZE} bytes`);
    dataKey = grantor.dataKey.slice();
  } else {
    dataKey = unwrapDataKey(section, grantor.org, grantor.keys, context, {
      backend,
      ...(grantor.grants === undefined ? {} : { grants: grantor.grants }),
    });
  }
  try {
    // unwrapDataKey has opened the content already; a key handed in has not.
    if ('dataKey' in grantor) openContent(section, dataKey, context, backend);
    return makeWraps(dataKey, recipients, context, section.ciphertext, rng, backend);
  } finally {
    dataKey.fill(0);
  }
}

/** The kind of a grant entry: an org act, signed by the granting org's node key as `ORG`. */
export const ACCESS_GRANT_KIND = 'org.access-grant';
/** The `rel` of the grant's citation of the sealed entry. */
export const GRANT_REL = 'grants';
export const MAX_GRANT_REASON_CHARS = 1024;

export interface GrantDraft {
  /** The granting org: the org whose log will hold the grant. */
  readonly org: string;
  /** The granting org's node key. */
  readonly signer: Uint8Array;
  /** Default `ORG`. */
  readonly role?: string;
  readonly time: number;
  /** The object's DAG heads the author knew. */
  readonly parents?: readonly Uint8Array[];
  readonly reason?: string;
}

export interface Grant {
  /** The id of the sealed entry the grant cites. */
  readonly target: Uint8Array;
  /** The granting org. */
  readonly grantor: string;
  readonly wraps: WrapSet;
  readonly reason?: string;
}

const PRINTABLE = /^[^\p{Cc}\p{Cs}]+$/u;

function grantBody(wraps: WrapSet, reason: string | undefined): CborMap {
  return { ...wrapSetToCbor(wraps), ...(reason === undefined ? {} : { reason }) };
}

/**
 * A grant entry, to be signed by the granting org's node key: on the sealed entry's network and
 * object, citing it with `{ entry: id, rel: "grants" }`, classified `internal`, body
 * `{ ephemeral, recipients, reason? }`. Checked with `checkGrant` before it is returned, so a
 * grantor that is not a reader (of the section, or of the grants named in `options.readers`) is
 * refused here with GRANT_UNAUTHORIZED.
 */
export function buildGrant(
  draft: GrantDraft,
  original: { readonly entry: Entry; readonly id: Uint8Array },
  wraps: WrapSet,
  options: GrantCheckOptions = {},
): Entry {
  const entry = buildEntry({
    network: original.entry.network,
    org: draft.org,
    object: original.entry.object,
    kind: ACCESS_GRANT_KIND,
    parents: draft.parents ?? [],
    refs: [{ entry: original.id, rel: GRANT_REL }],
    time: draft.time,
    signer: draft.signer,
    role: draft.role ?? 'ORG',
    body: grantBody(wraps, draft.reason),
    classification: 'internal',
  });
  checkGrant(entry, original, options);
  return entry;
}

function grantFail(code: 'GRANT_INVALID' | 'GRANT_UNAUTHORIZED', detail: string, cause?: unknown): never {
  return fail(code, detail, cause);
}

/** Reads a grant entry's shape (GRANT_INVALID), without judging it against the entry it cites. */
export function parseGrant(entry: Entry): Grant {
  if (entry.kind !== ACCESS_GRANT_KIND)
    grantFail('GRANT_INVALID', `kind ${entry.kind}, expected ${ACCESS_GRANT_KIND}`);
  if (entry.sealed !== undefined) grantFail('GRANT_INVALID', 'a grant has no sealed section');
  const cited = entry.refs.filter((r) => r.rel === GRANT_REL);
  const ref = cited[0];
  if (cited.length !== 1 || ref === undefined || !('entry' in ref))
    grantFail('GRANT_INVALID', `expected exactly one entry ref with rel "${GRANT_REL}"`);
  let wraps: WrapSet;
  try {
    const body = exactKeys(entry.body, 'body', ['ephemeral', 'recipients'], ['reason']);
    wraps = parseWrapSet(
      { ephemeral: body.ephemeral as CborValue, recipients: body.recipients as CborValue },
      'body',
    );
  } catch (error) {
    return grantFail('GRANT_INVALID', (error as Error).message, error);
  }
  const reason = entry.body.reason;
  if (
    reason !== undefined &&
    (typeof reason !== 'string' || !PRINTABLE.test(reason) || [...reason].length > MAX_GRANT_REASON_CHARS)
  )
    grantFail('GRANT_INVALID', `body.reason: expected 1 to ${MAX_GRANT_REASON_CHARS} printable characters`);
  return {
    target: ref.entry,
    grantor: entry.org,
    wraps,
    ...(reason === undefined ? {} : { reason: reason as string }),
  };
}

export interface GrantCheckOptions {
  /** Orgs that could read the entry through earlier valid grants. */
  readonly readers?: Iterable<string>;
  /**
   * Whether `keyId` is an encryption key of `org` where the grant sits (governance:
   * `encryptionKeyVerdict`); when given, a wrap to any other key is refused
   * (ENCRYPTION_KEY_UNKNOWN).
   */
  readonly isEncryptionKey?: (org: string, keyId: Uint8Array) => boolean;
}

/**
 * Judges a grant against the sealed entry it cites. Valid only when: it is a well-formed grant
 * (GRANT_INVALID), cites `original` by id on the same network and object, `original` has a sealed
 * section (GRANT_INVALID), and the granting org could read it — a recipient of the section or of
 * an earlier grant (GRANT_UNAUTHORIZED). That each wrap opens is for its recipient to find: a
 * wrap bound to another entry fails there with SEAL_AEAD_FAILED.
 */
export function checkGrant(
  grant: Entry,
  original: { readonly entry: Entry; readonly id: Uint8Array },
  options: GrantCheckOptions = {},
): Grant {
  const parsed = parseGrant(grant);
  if (!equalBytes(parsed.target, original.id))
    grantFail('GRANT_INVALID', `the grant cites ${toHex(parsed.target)}, not ${toHex(original.id)}`);
  if (!equalBytes(grant.network, original.entry.network) || grant.object !== original.entry.object)
    grantFail('GRANT_INVALID', 'the grant is not on the network and object of the entry it cites');
  if (original.entry.sealed === undefined)
    grantFail('GRANT_INVALID', `entry ${toHex(original.id)} has no sealed section`);
  let readers: string[];
  try {
    readers = sealedReaders(original.entry.sealed);
  } catch (error) {
    return grantFail('GRANT_INVALID', `entry ${toHex(original.id)}: ${(error as Error).message}`, error);
  }
  const allowed = new Set([...readers, ...(options.readers ?? [])]);
  if (!allowed.has(grant.org))
    grantFail('GRANT_UNAUTHORIZED', `"${grant.org}" holds no wrapped key of entry ${toHex(original.id)}`);
  if (options.isEncryptionKey !== undefined) {
    for (const w of parsed.wraps.recipients) {
      if (!options.isEncryptionKey(w.org, w.keyId))
        fail('ENCRYPTION_KEY_UNKNOWN', `${toHex(w.keyId)} is not an encryption key of "${w.org}"`);
    }
  }
  return parsed;
}
