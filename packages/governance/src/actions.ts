/**
 * Governance actions (DESIGN §3, docs/protocol.md §13): the changes to membership, keys, authorities
 * and parameters that the authorities sign. An action is a deterministic CBOR map that names its
 * network, its sequence number and the hash of the action before it, so the actions form one hash
 * chain; it travels with its authority signatures in a *signed action*
 * `[action bytes, [[key, signature] …]]`.
 *
 * This module only encodes, decodes and signs. Whether an action may be applied — its place in
 * the chain, its signers and threshold, its effect on the state — is `GovernanceState`'s question.
 * An action without signatures is a valid signed action: it is the proposal file that authority
 * holders sign one after another on their own machines.
 */
import {
  type CborMap,
  type CborValue,
  compareBytes,
  concatBytes,
  decodeCanonical,
  encodeCanonical,
  equalBytes,
  importEncryptionKey,
  isCborMap,
  KEY_ID_SIZE,
  ORG_ID,
  publicKeyFromSeed,
  sha256,
  signMessage,
  toHex,
  utf8,
  verifySignature,
} from '@liuhen/core';
import { GovernanceError } from './errors.ts';
import { FieldReader } from './fields.ts';
import {
  type GenesisOrg,
  MAX_AUTHORITIES,
  orgFromCbor,
  orgToCbor,
  type Party,
  partiesFromCbor,
} from './genesis.ts';
import { type NetworkParameters, PARAMETER_NAMES, PARAMETER_RANGES } from './parameters.ts';

export const ACTION_VERSION = 1;
/** Signature domain separation: an authority signs this prefix followed by the action bytes. */
export const ACTION_SIGNATURE_CONTEXT = utf8('liuhen/governance/v1\n');
/** Largest action encoding. */
export const MAX_ACTION_BYTES = 65_536;
/** Most signatures on one action: one per authority key. */
export const MAX_ACTION_SIGNATURES = MAX_AUTHORITIES;
/** Largest signed action: the action plus 64 signature pairs (101 bytes each) and heads. */
export const MAX_SIGNED_ACTION_BYTES = MAX_ACTION_BYTES + 8_192;
export const MAX_REASON_CHARS = 1_024;

export const ORG_ADD = 'org.add';
export const ORG_SET_PARTIES = 'org.set-parties';
export const ORG_ROTATE_KEY = 'org.rotate-key';
export const ORG_REMOVE = 'org.remove';
export const AUTHORITY_ROTATE = 'authority.rotate';
export const PARAMETER_SET = 'parameter.set';
export const ORG_SET_ENCRYPTION_KEY = 'org.set-encryption-key';
export const ORG_REMOVE_ENCRYPTION_KEY = 'org.remove-encryption-key';

export const ACTION_TYPES = [
  ORG_ADD,
  ORG_SET_PARTIES,
  ORG_ROTATE_KEY,
  ORG_REMOVE,
  AUTHORITY_ROTATE,
  PARAMETER_SET,
  ORG_SET_ENCRYPTION_KEY,
  ORG_REMOVE_ENCRYPTION_KEY,
] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

/** What an action changes: its type and the body of that type. */
export type ActionChange =
  /** A new member org. The body is an org map exactly as in the genesis. */
  | { readonly type: typeof ORG_ADD; readonly body: GenesisOrg }
  /** Replaces the org's party roles. */
  | {
      readonly type: typeof ORG_SET_PARTIES;
      readonly body: { readonly org: string; readonly parties: readonly Party[] };
    }
  /**
   * A new node key for the org. The old key stays valid for headers up to block height
   * `oldKeyUntilHeight` (inclusive), the overlap window, and never above it.
   */
  | {
      readonly type: typeof ORG_ROTATE_KEY;
      readonly body: {
        readonly org: string;
        readonly nodeKey: Uint8Array;
        readonly oldKeyUntilHeight: number;
      };
    }
  /**
   * The org leaves the network (orderly removal, or revocation of a compromised org). Its log is
   * frozen at `freezeSize`: entries at index ≥ freezeSize are invalid forever, those below stay
   * valid.
   */
  | {
      readonly type: typeof ORG_REMOVE;
      readonly body: { readonly org: string; readonly freezeSize: number; readonly reason: string };
    }
  /** A new authority set and threshold; signed by the set in force before it. */
  | {
      readonly type: typeof AUTHORITY_ROTATE;
      readonly body: { readonly keys: readonly Uint8Array[]; readonly threshold: number };
    }
  /** A new value for one network parameter. */
  | {
      readonly type: typeof PARAMETER_SET;
      readonly body: { readonly name: keyof NetworkParameters; readonly value: number };
    }
  /**
   * The org's X25519 encryption key (sealed sections, docs/protocol.md §15), separate from its
   * node key: entries sealed at positions from this one on wrap their data keys to it. Replaces
   * the org's previous encryption key, if any (rotation).
   */
  | {
      readonly type: typeof ORG_SET_ENCRYPTION_KEY;
      readonly body: { readonly org: string; readonly key: Uint8Array };
    }
  /**
   * Withdraws the org's current encryption key, named by its key id (SHA-256 of the key) so that
   * a stale proposal cannot withdraw a newer key: nothing sealed from this position on is
   * wrapped to it. What was sealed to it before stays readable with it.
   */
  | {
      readonly type: typeof ORG_REMOVE_ENCRYPTION_KEY;
      readonly body: { readonly org: string; readonly keyId: Uint8Array; readonly reason: string };
    };

export interface ActionHeader {
  readonly version: typeof ACTION_VERSION;
  /** Network id = SHA-256 of the genesis bytes. */
  readonly network: Uint8Array;
  /** Position in the governance log: 1 for the first action; applying it makes the position `seq`. */
  readonly seq: number;
  /** Hash of the action at `seq − 1`, or the network id when `seq` is 1. */
  readonly previous: Uint8Array;
  /** When the action was proposed, ms since the epoch; never before the previous action's time. */
  readonly time: number;
}

export type Action = ActionHeader & ActionChange;

export interface ActionSignature {
  /** The authority's Ed25519 public key. */
  readonly key: Uint8Array;
  /** Ed25519 over `ACTION_SIGNATURE_CONTEXT ‖ action bytes`. */
  readonly signature: Uint8Array;
}

export interface SignedAction {
  readonly action: Action;
  /** The exact action bytes that were signed. */
  readonly actionBytes: Uint8Array;
  /** SHA-256 of the action bytes: the action's id and the chain link to the next action. */
  readonly hash: Uint8Array;
  /** Strictly ascending by key, so no key appears twice. */
  readonly signatures: readonly ActionSignature[];
}

const read: FieldReader = new FieldReader('GOV_ACTION_INVALID');

/** An X25519 public key that passes core's `importEncryptionKey` (canonical, not small-order). */
function readEncryptionKey(value: CborValue | undefined, field: string): Uint8Array {
  const raw = read.bytes(value, field, 32);
  try {
    return importEncryptionKey(raw);
  } catch (error) {
    return read.fail(field, (error as Error).message, error);
  }
}

// ---------------------------------------------------------------------------------------------
// Schema

function bodyFromCbor(type: ActionType, value: CborValue | undefined): ActionChange {
  switch (type) {
    case ORG_ADD:
      return { type, body: orgFromCbor(value, 'body', read) };
    case ORG_SET_PARTIES: {
      const body = read.map(value, 'body', ['org', 'parties']);
      return {
        type,
        body: {
          org: read.text(body.org, 'body.org', 1, 64, ORG_ID),
          parties: partiesFromCbor(body.parties, 'body.parties', read),
        },
      };
    }
    case ORG_ROTATE_KEY: {
      const body = read.map(value, 'body', ['org', 'nodeKey', 'oldKeyUntilHeight']);
      return {
        type,
        body: {
          org: read.text(body.org, 'body.org', 1, 64, ORG_ID),
          nodeKey: read.publicKey(body.nodeKey, 'body.nodeKey'),
          oldKeyUntilHeight: read.uint(body.oldKeyUntilHeight, 'body.oldKeyUntilHeight'),
        },
      };
    }
    case ORG_REMOVE: {
      const body = read.map(value, 'body', ['org', 'freezeSize', 'reason']);
      return {
        type,
        body: {
          org: read.text(body.org, 'body.org', 1, 64, ORG_ID),
          freezeSize: read.uint(body.freezeSize, 'body.freezeSize'),
          reason: read.text(body.reason, 'body.reason', 1, MAX_REASON_CHARS),
        },
      };
    }
    case AUTHORITY_ROTATE: {
      const body = read.map(value, 'body', ['keys', 'threshold']);
      const keys = read
        .list(body.keys, 'body.keys', 1, MAX_AUTHORITIES)
        .map((k, i) => read.publicKey(k, `body.keys[${i}]`));
      const seen = new Map<string, number>();
      keys.forEach((key, i) => {
        const earlier = seen.get(toHex(key));
        if (earlier !== undefined) read.fail(`body.keys[${i}]`, `same as body.keys[${earlier}]`);
        seen.set(toHex(key), i);
      });
      return {
        type,
        body: { keys, threshold: read.uint(body.threshold, 'body.threshold', 1, keys.length) },
      };
    }
    case PARAMETER_SET: {
      const body = read.map(value, 'body', ['name', 'value']);
      const name = read.text(body.name, 'body.name', 1, 64);
      if (!(PARAMETER_NAMES as readonly string[]).includes(name))
        read.fail('body.name', `expected one of ${PARAMETER_NAMES.join(', ')}`);
      const parameter = name as keyof NetworkParameters;
      return {
        type,
        body: { name: parameter, value: read.uint(body.value, 'body.value', ...PARAMETER_RANGES[parameter]) },
      };
    }
    case ORG_SET_ENCRYPTION_KEY: {
      const body = read.map(value, 'body', ['org', 'key']);
      return {
        type,
        body: {
          org: read.text(body.org, 'body.org', 1, 64, ORG_ID),
          key: readEncryptionKey(body.key, 'body.key'),
        },
      };
    }
    case ORG_REMOVE_ENCRYPTION_KEY: {
      const body = read.map(value, 'body', ['org', 'keyId', 'reason']);
      return {
        type,
        body: {
          org: read.text(body.org, 'body.org', 1, 64, ORG_ID),
          keyId: read.bytes(body.keyId, 'body.keyId', KEY_ID_SIZE),
          reason: read.text(body.reason, 'body.reason', 1, MAX_REASON_CHARS),
        },
      };
    }
  }
}

/** Checks a decoded CBOR value against the action schema and returns it typed. */
export function actionFromCbor(value: CborValue): Action {
  const map = read.map(value, 'action', ['version', 'network', 'seq', 'previous', 'time', 'type', 'body']);
  if (map.version !== ACTION_VERSION) read.fail('version', `expected ${ACTION_VERSION}`);
  const header: ActionHeader = {
    version: ACTION_VERSION,
    network: read.bytes(map.network, 'network', 32),
    seq: read.uint(map.seq, 'seq', 1),
    previous: read.bytes(map.previous, 'previous', 32),
    time: read.uint(map.time, 'time'),
  };
  const type = read.text(map.type, 'type', 1, 64);
  if (!(ACTION_TYPES as readonly string[]).includes(type))
    read.fail('type', `expected one of ${ACTION_TYPES.join(', ')}`);
  return { ...header, ...bodyFromCbor(type as ActionType, map.body) };
}

function bodyToCbor(change: ActionChange): CborMap {
  switch (change.type) {
    case ORG_ADD:
      return orgToCbor(change.body);
    case ORG_SET_PARTIES:
      return { org: change.body.org, parties: [...change.body.parties] };
    case ORG_ROTATE_KEY:
      return {
        org: change.body.org,
        nodeKey: change.body.nodeKey,
        oldKeyUntilHeight: change.body.oldKeyUntilHeight,
      };
    case ORG_REMOVE:
      return { org: change.body.org, freezeSize: change.body.freezeSize, reason: change.body.reason };
    case AUTHORITY_ROTATE:
      return { keys: [...change.body.keys], threshold: change.body.threshold };
    case PARAMETER_SET:
      return { name: change.body.name, value: change.body.value };
    case ORG_SET_ENCRYPTION_KEY:
      return { org: change.body.org, key: change.body.key };
    case ORG_REMOVE_ENCRYPTION_KEY:
      return { org: change.body.org, keyId: change.body.keyId, reason: change.body.reason };
    default:
      return read.fail('type', `unknown action type ${(change as { type: unknown }).type}`);
  }
}

export function actionToCbor(action: Action): CborMap {
  return {
    version: action.version,
    network: action.network,
    seq: action.seq,
    previous: action.previous,
    time: action.time,
    type: action.type,
    body: bodyToCbor(action),
  };
}

// ---------------------------------------------------------------------------------------------
// Bytes

/** The action bytes. Refuses (GOV_ACTION_INVALID) anything `decodeAction` would refuse. */
export function encodeAction(action: Action): Uint8Array {
  const map = actionToCbor(action);
  actionFromCbor(map);
  const bytes = encodeCanonical(map);
  if (bytes.length > MAX_ACTION_BYTES) read.fail('action', `${bytes.length} > ${MAX_ACTION_BYTES} bytes`);
  return bytes;
}

/** Strict: non-canonical bytes fail with a CBOR_* code, a bad field with GOV_ACTION_INVALID. */
export function decodeAction(bytes: Uint8Array): Action {
  return actionFromCbor(decodeCanonical(bytes, { maxBytes: MAX_ACTION_BYTES, maxDepth: 8 }));
}

/** The action's id and chain link: SHA-256 of the exact action bytes. */
export function actionHash(actionBytes: Uint8Array): Uint8Array {
  return sha256(actionBytes);
}

export function actionSigningMessage(actionBytes: Uint8Array): Uint8Array {
  return concatBytes(ACTION_SIGNATURE_CONTEXT, actionBytes);
}

/** True when `signature` is `key`'s Ed25519 signature of the action. Throws KEY_* for a bad key. */
export function verifyActionSignature(actionBytes: Uint8Array, signature: ActionSignature): boolean {
  return verifySignature(signature.key, actionSigningMessage(actionBytes), signature.signature);
}

/** An unsigned proposal: the action with no signatures yet. */
export function proposeAction(action: Action): SignedAction {
  const actionBytes = encodeAction(action);
  return { action: decodeAction(actionBytes), actionBytes, hash: actionHash(actionBytes), signatures: [] };
}

function withSignature(signed: SignedAction, added: ActionSignature): SignedAction {
  if (signed.signatures.some((s) => equalBytes(s.key, added.key))) {
    throw new GovernanceError('GOV_DUPLICATE_SIGNER', `${toHex(added.key)} has already signed`);
  }
  if (signed.signatures.length >= MAX_ACTION_SIGNATURES) {
    throw new GovernanceError('GOV_ACTION_INVALID', `signatures: at most ${MAX_ACTION_SIGNATURES}`);
  }
  const signatures = [...signed.signatures, added].sort((a, b) => compareBytes(a.key, b.key));
  return { ...signed, signatures };
}

/**
 * Adds the signature of the authority whose Ed25519 seed is `seed`. Refuses a key that has
 * already signed (GOV_DUPLICATE_SIGNER). Whether the key is an authority is checked on apply.
 */
export function signAction(signed: SignedAction, seed: Uint8Array): SignedAction {
  const key = publicKeyFromSeed(seed);
  return withSignature(signed, {
    key,
    signature: signMessage(seed, actionSigningMessage(signed.actionBytes)),
  });
}

/**
 * The union of the signatures of two copies of one action, for authorities who signed copies in
 * parallel. Both must carry the same action bytes (GOV_ACTION_INVALID otherwise); a key that signed
 * both copies is kept once.
 */
export function mergeSignatures(a: SignedAction, b: SignedAction): SignedAction {
  if (!equalBytes(a.actionBytes, b.actionBytes)) {
    throw new GovernanceError('GOV_ACTION_INVALID', 'the two copies carry different actions');
  }
  let merged = a;
  for (const signature of b.signatures) {
    if (!merged.signatures.some((s) => equalBytes(s.key, signature.key))) {
      merged = withSignature(merged, signature);
    }
  }
  return merged;
}

/** `[action bytes, [[key, signature] …]]`, signatures in ascending key order. */
export function encodeSignedAction(signed: SignedAction): Uint8Array {
  const bytes = encodeCanonical([signed.actionBytes, signed.signatures.map((s) => [s.key, s.signature])]);
  // Read back, so anything this module would refuse to decode is refused here too.
  decodeSignedAction(bytes);
  return bytes;
}

/**
 * Strict decoding of a signed action: canonical CBOR (CBOR_* codes), the two-element shape, each
 * signature a [32-byte enrolable key, 64-byte signature] pair (GOV_ACTION_INVALID), keys in
 * strictly ascending order with no key twice (GOV_DUPLICATE_SIGNER), and a valid action. The
 * signatures themselves are verified when the action is applied, against the authorities of that
 * position.
 */
export function decodeSignedAction(bytes: Uint8Array): SignedAction {
  const value = decodeCanonical(bytes, { maxBytes: MAX_SIGNED_ACTION_BYTES, maxDepth: 3 });
  if (!Array.isArray(value) || value.length !== 2)
    read.fail('signed action', 'expected [action, signatures]');
  const [actionBytes, list] = value as [CborValue, CborValue];
  if (!(actionBytes instanceof Uint8Array)) read.fail('signed action[0]', 'expected the action bytes');
  const signatures = read.list(list, 'signatures', 0, MAX_ACTION_SIGNATURES).map((pair, i) => {
    if (!Array.isArray(pair) || pair.length !== 2) read.fail(`signatures[${i}]`, 'expected [key, signature]');
    return {
      key: read.publicKey(pair[0], `signatures[${i}][0]`),
      signature: read.bytes(pair[1], `signatures[${i}][1]`, 64),
    };
  });
  for (let i = 1; i < signatures.length; i++) {
    const order = compareBytes(
      (signatures[i - 1] as ActionSignature).key,
      (signatures[i] as ActionSignature).key,
    );
    if (order === 0) {
      throw new GovernanceError(
        'GOV_DUPLICATE_SIGNER',
        `signatures[${i}]: ${toHex((signatures[i] as ActionSignature).key)} signed twice`,
      );
    }
    if (order > 0) read.fail(`signatures[${i}]`, 'keys must be in ascending byte order');
  }
  const action = decodeAction(actionBytes);
  return { action, actionBytes, hash: actionHash(actionBytes), signatures };
}

// ---------------------------------------------------------------------------------------------
// Views for people

function jsonValue(value: CborValue): unknown {
  if (value instanceof Uint8Array) return toHex(value);
  if (Array.isArray(value)) return value.map(jsonValue);
  if (isCborMap(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonValue(v)]));
  return value;
}

/**
 * A JSON view of a signed action (byte strings as lowercase hex), for logs and `--json` output.
 * It is a view only: the signatures are over the action bytes, never over this.
 */
export function signedActionToJson(signed: SignedAction): Record<string, unknown> {
  const { action } = signed;
  return {
    seq: action.seq,
    hash: toHex(signed.hash),
    network: toHex(action.network),
    previous: toHex(action.previous),
    time: action.time,
    type: action.type,
    body: jsonValue(bodyToCbor(action)),
    signatures: signed.signatures.map((s) => ({ key: toHex(s.key), signature: toHex(s.signature) })),
  };
}

/** One line saying what the action changes, e.g. `remove org "lab" (freeze at size 120): …`. */
export function describeAction(change: ActionChange): string {
  switch (change.type) {
    case ORG_ADD: {
      const o = change.body;
      return `add org "${o.id}" (${o.name}, ${o.creditCode}; parties ${o.parties.join(', ')}; node key ${toHex(o.nodeKey)})`;
    }
    case ORG_SET_PARTIES:
      return `set the parties of org "${change.body.org}" to ${change.body.parties.join(', ')}`;
    case ORG_ROTATE_KEY:
      return `rotate the node key of org "${change.body.org}" to ${toHex(change.body.nodeKey)}; the old key signs blocks up to height ${change.body.oldKeyUntilHeight}`;
    case ORG_REMOVE:
      return `remove org "${change.body.org}", freezing its log at size ${change.body.freezeSize}: ${change.body.reason}`;
    case AUTHORITY_ROTATE:
      return `replace the authorities by ${change.body.threshold} of ${change.body.keys.length}: ${change.body.keys.map(toHex).join(', ')}`;
    case PARAMETER_SET:
      return `set parameter ${change.body.name} to ${change.body.value}`;
    case ORG_SET_ENCRYPTION_KEY:
      return `set the encryption key of org "${change.body.org}" to ${toHex(change.body.key)} (key id ${toHex(sha256(change.body.key))})`;
    case ORG_REMOVE_ENCRYPTION_KEY:
      return `withdraw the encryption key ${toHex(change.body.keyId)} of org "${change.body.org}": ${change.body.reason}`;
  }
}
