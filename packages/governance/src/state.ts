/**
 * The governance state machine (DESIGN §3): the genesis folded with the governance log, one
 * action at a time, each checked against the state before it. It keeps the whole history, so it
 * answers for any governance position g up to its own: who the members and their node keys were,
 * which parties they held, who the authorities were, which parameters applied. Validity is judged
 * at an entry's causal position, never "now" (DESIGN §1.3), so these are the questions every
 * verifier asks.
 *
 * Two facts apply from the moment they are known, to every position, because they exist to cut off
 * a key or a log that can no longer be trusted: an org's **freeze point** (entries at index ≥ the
 * freeze size are invalid forever) and a rotated-out node key's **last height** (it signs no
 * header above it). Both are read from the latest state, whatever position a block claims.
 *
 * Pure: no I/O, no clock. `apply` either changes the state completely or throws and changes nothing.
 */
import {
  compareBytes,
  equalBytes,
  type GovernancePosition,
  type SealRecipient,
  sha256,
  toHex,
} from '@liuhen/core';
import {
  type Action,
  AUTHORITY_ROTATE,
  actionHash,
  decodeAction,
  ORG_ADD,
  ORG_REMOVE,
  ORG_REMOVE_ENCRYPTION_KEY,
  ORG_ROTATE_KEY,
  ORG_SET_ENCRYPTION_KEY,
  ORG_SET_PARTIES,
  PARAMETER_SET,
  type SignedAction,
  verifyActionSignature,
} from './actions.ts';
import { type AnyErrorCode, GovernanceError, type GovernanceErrorCode } from './errors.ts';
import {
  decodeGenesis,
  encodeGenesis,
  type Genesis,
  type GenesisOrg,
  MAX_ORGS,
  networkId,
  type Party,
} from './genesis.ts';
import type { NetworkParameters } from './parameters.ts';

/** The answer of a validity question: yes, or no with a stable code and a reason for people. */
export type Verdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: AnyErrorCode; readonly reason: string };

const OK: Verdict = { ok: true };

function deny(code: AnyErrorCode, reason: string): Verdict {
  return { ok: false, code, reason };
}

export interface Authorities {
  readonly keys: readonly Uint8Array[];
  readonly threshold: number;
}

/** An org's removal: its log is frozen at `size` by the action at `seq`. */
export interface Freeze {
  readonly seq: number;
  readonly size: number;
  readonly reason: string;
}

/** A member org as it stood at a governance position. */
export interface OrgView {
  readonly id: string;
  readonly name: string;
  readonly creditCode: string;
  /** The node key in force at that position (the newest one enrolled). */
  readonly nodeKey: Uint8Array;
  readonly parties: readonly Party[];
  readonly bootstrap: readonly string[];
  /** Position of the action that added the org; 0 for a genesis org. */
  readonly addedAt: number;
}

/** One node key of one org, over its whole life. */
export interface NodeKeyRecord {
  readonly org: string;
  readonly key: Uint8Array;
  /** Position from which the key signs for the org (0 for a genesis key). */
  readonly enrolledAt: number;
  /** Position of the rotation that replaced it, if any. */
  readonly retiredAt?: number;
  /** The last block height it may sign, once replaced: the end of the overlap window. */
  readonly untilHeight?: number;
}

/**
 * One X25519 encryption key of one org (docs/protocol.md §13.6, §15): in force from position
 * `from` up to, not including, `until` (its replacement or withdrawal), and only while the org is
 * a member.
 */
export interface EncryptionKeyRecord {
  readonly org: string;
  readonly key: Uint8Array;
  /** SHA-256 of `key`: how wraps name it. */
  readonly keyId: Uint8Array;
  readonly from: number;
  readonly until?: number;
  /** Why it was withdrawn, when `org.remove-encryption-key` ended it. */
  readonly withdrawn?: string;
}

/** The state at one position, for display and for `governance log`. */
export interface GovernanceView {
  readonly position: GovernancePosition;
  readonly authorities: Authorities;
  readonly parameters: NetworkParameters;
  readonly orgs: readonly OrgView[];
  /** Orgs removed at or before this position, with their freeze points. */
  readonly removed: readonly { readonly org: string; readonly freeze: Freeze }[];
}

/** Where a signature sits causally: the governance position its block claims, and the block height. */
export interface KeyPosition {
  /** Governance position (sequence number) the block was validated against; default the latest. */
  readonly governance?: number;
  /** Height of the block; needed to let a rotated-out key sign within its overlap window. */
  readonly height?: number;
}

export interface HeaderClaim {
  readonly org: string;
  /** The key whose signature is on the header. */
  readonly signer: Uint8Array;
  /** The header's tree size. */
  readonly size: number;
  readonly height: number;
  /** The governance position the header records. */
  readonly governance: GovernancePosition;
}

interface KeyEra {
  readonly key: Uint8Array;
  readonly from: number;
  retiredAt?: number;
  untilHeight?: number;
}

interface EncryptionKeyEra {
  readonly key: Uint8Array;
  readonly keyId: Uint8Array;
  readonly from: number;
  until?: number;
  withdrawn?: string;
}

interface OrgRecord {
  readonly id: string;
  readonly name: string;
  readonly creditCode: string;
  readonly bootstrap: readonly string[];
  readonly addedAt: number;
  /** Party roles by the position they took effect, ascending. */
  readonly parties: { readonly from: number; readonly parties: readonly Party[] }[];
  /** Node keys in enrolment order; the last is the current one. */
  readonly keys: KeyEra[];
  /** Encryption keys in the order they were set; at most the last is open-ended. */
  readonly encryptionKeys: EncryptionKeyEra[];
  removed?: Freeze;
}

/** The last item whose `from` is at most `g`; lists start with a `from: 0` item. */
function at<T extends { readonly from: number }>(list: readonly T[], g: number): T {
  for (let i = list.length - 1; i > 0; i--) if ((list[i] as T).from <= g) return list[i] as T;
  return list[0] as T;
}

function refuse(reason: string): never {
  throw new GovernanceError('GOV_ACTION_REFUSED', reason);
}

export class GovernanceState {
  readonly genesis: Genesis;
  #network: Uint8Array | undefined;
  /** Applied actions: index i holds the action at position i + 1. */
  readonly #actions: SignedAction[] = [];
  readonly #orgs = new Map<string, OrgRecord>();
  /** Every node key ever enrolled, by hex: keys are never reused, by any org. */
  readonly #nodeKeys = new Map<string, { readonly org: OrgRecord; readonly era: KeyEra }>();
  /** Every encryption key ever set, by hex key id: never reused either, so an id names one org. */
  readonly #encryptionKeys = new Map<string, { readonly org: OrgRecord; readonly era: EncryptionKeyEra }>();
  readonly #authorities: (Authorities & { readonly from: number })[];
  readonly #parameters: { readonly from: number; readonly parameters: NetworkParameters }[];

  private constructor(genesis: Genesis, network: Uint8Array | undefined) {
    this.genesis = genesis;
    this.#network = network;
    this.#authorities = [
      { from: 0, keys: genesis.authorities.keys, threshold: genesis.authorities.threshold },
    ];
    this.#parameters = [{ from: 0, parameters: genesis.parameters }];
    for (const o of genesis.orgs) this.#addOrg(o, 0);
  }

  /**
   * The state at position 0. `network` is the network id (SHA-256 of the genesis bytes); when it
   * is left out it is computed, on first use, from the genesis's canonical encoding, which is the
   * same bytes for any genesis that `decodeGenesis` accepted.
   */
  static fromGenesis(genesis: Genesis, network?: Uint8Array): GovernanceState {
    return new GovernanceState(genesis, network);
  }

  static fromGenesisBytes(bytes: Uint8Array): GovernanceState {
    return new GovernanceState(decodeGenesis(bytes), networkId(bytes));
  }

  get network(): Uint8Array {
    this.#network ??= networkId(encodeGenesis(this.genesis));
    return this.#network;
  }

  /** The number of actions applied: the current governance position. */
  get seq(): number {
    return this.#actions.length;
  }

  /** The current position: what a block header validated now records. */
  get head(): GovernancePosition {
    return this.position(this.seq);
  }

  /** Position `seq` with its hash (the network id at 0). Throws GOV_POSITION_UNKNOWN beyond `this.seq`. */
  position(seq: number): GovernancePosition {
    this.#requireKnown(seq);
    return { seq, hash: seq === 0 ? this.network : (this.#actions[seq - 1] as SignedAction).hash };
  }

  /** The applied action at position `seq` (1 … this.seq). */
  action(seq: number): SignedAction {
    this.#requireKnown(seq);
    if (seq === 0)
      throw new GovernanceError('GOV_POSITION_UNKNOWN', 'position 0 is the genesis, not an action');
    return this.#actions[seq - 1] as SignedAction;
  }

  /** The applied actions at positions `from` … `to`, inclusive (default: all). */
  actions(from = 1, to = this.seq): SignedAction[] {
    this.#requireKnown(to);
    return this.#actions.slice(Math.max(0, from - 1), to);
  }

  /**
   * Checks a block's claimed position: known (else GOV_POSITION_UNKNOWN, fetch the missing
   * actions first) and with the hash of our action there (else GOV_POSITION_MISMATCH).
   */
  positionVerdict(claimed: GovernancePosition): Verdict {
    if (!Number.isSafeInteger(claimed.seq) || claimed.seq < 0)
      return deny('RANGE_INVALID', `governance position ${claimed.seq}`);
    if (claimed.seq > this.seq) {
      return deny(
        'GOV_POSITION_UNKNOWN',
        `position ${claimed.seq} is beyond the verified governance log (at ${this.seq})`,
      );
    }
    const ours = this.position(claimed.seq).hash;
    if (!equalBytes(ours, claimed.hash)) {
      return deny(
        'GOV_POSITION_MISMATCH',
        `position ${claimed.seq} is ${toHex(ours)} here, not ${toHex(claimed.hash)}`,
      );
    }
    return OK;
  }

  // -------------------------------------------------------------------------------------------
  // Applying actions

  /**
   * Everything `apply` checks, without applying: throws the first failure as a GovernanceError
   * (or a LiuhenError with a CBOR_* or KEY_* code for bytes that do not decode).
   */
  check(signed: SignedAction): void {
    this.#plan(signed);
  }

  /**
   * Validates the action against the state (docs/protocol.md §13.5 gives the order) and applies
   * it. Returns the new position. A failure throws and changes nothing.
   */
  apply(signed: SignedAction): GovernancePosition {
    const { commit, normalised } = this.#plan(signed);
    commit();
    this.#actions.push(normalised);
    return this.head;
  }

  #plan(signed: SignedAction): { commit: () => void; normalised: SignedAction } {
    // The bytes are what was signed; the decoded fields are re-derived from them, never trusted.
    const action = decodeAction(signed.actionBytes);
    const hash = actionHash(signed.actionBytes);
    const normalised: SignedAction = {
      action,
      actionBytes: signed.actionBytes,
      hash,
      // Kept in the wire order (ascending keys), so `encodeSignedAction` of an applied action works.
      signatures: [...signed.signatures].sort((a, b) => compareBytes(a.key, b.key)),
    };
    const fail = (code: GovernanceErrorCode, detail: string): never => {
      throw new GovernanceError(code, `action ${action.seq} (${action.type}): ${detail}`);
    };

    if (!equalBytes(action.network, this.network)) {
      fail('GOV_WRONG_NETWORK', `network ${toHex(action.network)}, expected ${toHex(this.network)}`);
    }
    if (action.seq <= this.seq) {
      if (equalBytes((this.#actions[action.seq - 1] as SignedAction).hash, hash))
        fail('GOV_ACTION_REPLAYED', `already applied at position ${action.seq}`);
      fail('GOV_ACTION_CONFLICT', `position ${action.seq} holds ${toHex(this.position(action.seq).hash)}`);
    }
    if (action.seq > this.seq + 1) {
      fail(
        'GOV_ACTION_OUT_OF_ORDER',
        `the log is at position ${this.seq}; actions ${this.seq + 1}… are missing`,
      );
    }
    if (!equalBytes(action.previous, this.head.hash)) {
      fail('GOV_CHAIN_BROKEN', `previous ${toHex(action.previous)}, expected ${toHex(this.head.hash)}`);
    }
    const previousTime =
      this.seq === 0 ? this.genesis.created : (this.#actions[this.seq - 1] as SignedAction).action.time;
    if (action.time < previousTime) fail('GOV_CHAIN_BROKEN', `time ${action.time} is before ${previousTime}`);

    // Signatures, by the authorities in force before the action (an authority rotation is
    // signed by the old set).
    const authorities = at(this.#authorities, this.seq);
    const seen = new Set<string>();
    for (const { key } of signed.signatures) {
      const hex = toHex(key);
      if (seen.has(hex)) fail('GOV_DUPLICATE_SIGNER', `${hex} signed more than once`);
      seen.add(hex);
      if (!authorities.keys.some((k) => equalBytes(k, key)))
        fail('GOV_SIGNER_NOT_AUTHORITY', `${hex} is not an authority at position ${this.seq}`);
    }
    if (signed.signatures.length < authorities.threshold) {
      fail(
        'GOV_UNDER_THRESHOLD',
        `${signed.signatures.length} signatures, ${authorities.threshold} of ${authorities.keys.length} needed`,
      );
    }
    for (const signature of signed.signatures) {
      if (!verifyActionSignature(signed.actionBytes, signature))
        fail('GOV_SIGNATURE_INVALID', `the signature of ${toHex(signature.key)} does not verify`);
    }
    return { commit: this.#effect(action), normalised };
  }

  /** The action's effect as a closure, after checking it applies (GOV_ACTION_REFUSED otherwise). */
  #effect(action: Action): () => void {
    const s = action.seq;
    const prefix = `action ${s} (${action.type}): `;
    const member = (id: string): OrgRecord => {
      const org = this.#orgs.get(id);
      if (org === undefined) refuse(`${prefix}org "${id}" is not a member`);
      if (org.removed !== undefined)
        refuse(`${prefix}org "${id}" was removed at position ${org.removed.seq}`);
      return org;
    };
    const freshNodeKey = (key: Uint8Array): void => {
      const used = this.#nodeKeys.get(toHex(key));
      if (used !== undefined)
        refuse(`${prefix}node key ${toHex(key)} is already enrolled for "${used.org.id}"`);
      if (at(this.#authorities, this.seq).keys.some((k) => equalBytes(k, key)))
        refuse(`${prefix}node key ${toHex(key)} is an authority key`);
    };
    switch (action.type) {
      case ORG_ADD: {
        const o = action.body;
        if (this.#orgs.has(o.id)) refuse(`${prefix}org id "${o.id}" is already used`);
        const members = [...this.#orgs.values()].filter((r) => r.removed === undefined);
        const twin = members.find((r) => r.creditCode === o.creditCode);
        if (twin !== undefined) refuse(`${prefix}credit code ${o.creditCode} is that of "${twin.id}"`);
        if (members.length >= MAX_ORGS) refuse(`${prefix}the network has ${MAX_ORGS} members already`);
        freshNodeKey(o.nodeKey);
        return () => this.#addOrg(o, s);
      }
      case ORG_SET_PARTIES: {
        const org = member(action.body.org);
        return () => org.parties.push({ from: s, parties: action.body.parties });
      }
      case ORG_ROTATE_KEY: {
        const org = member(action.body.org);
        freshNodeKey(action.body.nodeKey);
        return () => {
          const old = org.keys.at(-1) as KeyEra;
          old.retiredAt = s;
          old.untilHeight = action.body.oldKeyUntilHeight;
          const era: KeyEra = { key: action.body.nodeKey, from: s };
          org.keys.push(era);
          this.#nodeKeys.set(toHex(era.key), { org, era });
        };
      }
      case ORG_REMOVE: {
        const org = member(action.body.org);
        return () => {
          org.removed = { seq: s, size: action.body.freezeSize, reason: action.body.reason };
        };
      }
      case AUTHORITY_ROTATE: {
        for (const key of action.body.keys) {
          const used = this.#nodeKeys.get(toHex(key));
          if (used !== undefined)
            refuse(`${prefix}authority key ${toHex(key)} is a node key of "${used.org.id}"`);
        }
        return () => this.#authorities.push({ from: s, ...action.body });
      }
      case PARAMETER_SET: {
        const current = at(this.#parameters, this.seq).parameters;
        return () =>
          this.#parameters.push({
            from: s,
            parameters: { ...current, [action.body.name]: action.body.value },
          });
      }
      case ORG_SET_ENCRYPTION_KEY: {
        const org = member(action.body.org);
        const keyId = sha256(action.body.key);
        const used = this.#encryptionKeys.get(toHex(keyId));
        if (used !== undefined)
          refuse(`${prefix}encryption key ${toHex(action.body.key)} was already set for "${used.org.id}"`);
        return () => {
          const current = org.encryptionKeys.at(-1);
          if (current !== undefined && current.until === undefined) current.until = s;
          const era: EncryptionKeyEra = { key: action.body.key, keyId, from: s };
          org.encryptionKeys.push(era);
          this.#encryptionKeys.set(toHex(keyId), { org, era });
        };
      }
      case ORG_REMOVE_ENCRYPTION_KEY: {
        const org = member(action.body.org);
        const current = org.encryptionKeys.at(-1);
        if (current === undefined || current.until !== undefined)
          refuse(`${prefix}org "${org.id}" has no encryption key in force`);
        if (!equalBytes(current.keyId, action.body.keyId))
          refuse(
            `${prefix}the encryption key in force for "${org.id}" is ${toHex(current.keyId)}, not ${toHex(action.body.keyId)}`,
          );
        return () => {
          current.until = s;
          current.withdrawn = action.body.reason;
        };
      }
    }
  }

  #addOrg(o: GenesisOrg, from: number): void {
    const era: KeyEra = { key: o.nodeKey, from };
    const record: OrgRecord = {
      id: o.id,
      name: o.name,
      creditCode: o.creditCode,
      bootstrap: o.bootstrap,
      addedAt: from,
      parties: [{ from, parties: o.parties }],
      keys: [era],
      encryptionKeys: [],
    };
    this.#orgs.set(o.id, record);
    this.#nodeKeys.set(toHex(o.nodeKey), { org: record, era });
  }

  #requireKnown(seq: number): void {
    if (!Number.isSafeInteger(seq) || seq < 0 || seq > this.seq) {
      throw new GovernanceError(
        'GOV_POSITION_UNKNOWN',
        `position ${seq} is beyond the verified governance log (at ${this.seq})`,
      );
    }
  }

  // -------------------------------------------------------------------------------------------
  // Queries at a position

  authoritiesAt(g = this.seq): Authorities {
    this.#requireKnown(g);
    const { keys, threshold } = at(this.#authorities, g);
    return { keys, threshold };
  }

  parametersAt(g = this.seq): NetworkParameters {
    this.#requireKnown(g);
    return at(this.#parameters, g).parameters;
  }

  #memberAt(id: string, g: number): OrgRecord | undefined {
    const org = this.#orgs.get(id);
    if (org === undefined || org.addedAt > g) return undefined;
    if (org.removed !== undefined && org.removed.seq <= g) return undefined;
    return org;
  }

  /** True when `org` was a member at position `g`: added at or before it, not removed by then. */
  isMember(org: string, g = this.seq): boolean {
    this.#requireKnown(g);
    return this.#memberAt(org, g) !== undefined;
  }

  /** A member org as it stood at `g`, or undefined if it was not a member then. */
  orgAt(id: string, g = this.seq): OrgView | undefined {
    this.#requireKnown(g);
    const org = this.#memberAt(id, g);
    return org === undefined ? undefined : this.#view(org, g);
  }

  /** The members at `g`, genesis orgs first, then in the order they were added. */
  orgsAt(g = this.seq): OrgView[] {
    this.#requireKnown(g);
    const views: OrgView[] = [];
    for (const org of this.#orgs.values()) if (this.#memberAt(org.id, g)) views.push(this.#view(org, g));
    return views;
  }

  /** Every org id the network has had, members or removed, in the order they joined. */
  orgIds(): string[] {
    return [...this.#orgs.keys()];
  }

  /** The org's party roles at `g`; undefined if it was not a member then. */
  partiesAt(org: string, g = this.seq): readonly Party[] | undefined {
    this.#requireKnown(g);
    const record = this.#memberAt(org, g);
    return record === undefined ? undefined : at(record.parties, g).parties;
  }

  #view(org: OrgRecord, g: number): OrgView {
    return {
      id: org.id,
      name: org.name,
      creditCode: org.creditCode,
      nodeKey: at(org.keys, g).key,
      parties: at(org.parties, g).parties,
      bootstrap: org.bootstrap,
      addedAt: org.addedAt,
    };
  }

  /**
   * The org's encryption keys in force at `g`: set at or before `g`, neither replaced nor withdrawn
   * by then, and the org a member at `g`. At most one today; a list so that a future action may
   * allow several.
   */
  encryptionKeysAt(org: string, g = this.seq): EncryptionKeyRecord[] {
    this.#requireKnown(g);
    const record = this.#memberAt(org, g);
    if (record === undefined) return [];
    return record.encryptionKeys
      .filter((era) => era.from <= g && (era.until === undefined || era.until > g))
      .map((era) => encryptionKeyRecord(record, era));
  }

  /** Every encryption key `org` has had, oldest first: a reader needs old keys for old entries. */
  encryptionKeysOf(org: string): EncryptionKeyRecord[] {
    const record = this.#orgs.get(org);
    return record === undefined ? [] : record.encryptionKeys.map((era) => encryptionKeyRecord(record, era));
  }

  /** The org and life of an encryption key, by key id. */
  encryptionKeyById(keyId: Uint8Array): EncryptionKeyRecord | undefined {
    const found = this.#encryptionKeys.get(toHex(keyId));
    return found === undefined ? undefined : encryptionKeyRecord(found.org, found.era);
  }

  /**
   * Was `keyId` an encryption key of `org` in force at `g`? GOV_POSITION_UNKNOWN beyond the log,
   * UNKNOWN_ORG for a non-member, ENCRYPTION_KEY_UNKNOWN otherwise. A verifier asks it of every
   * wrap of an entry or a grant, at the position of the block that holds it.
   */
  encryptionKeyVerdict(org: string, keyId: Uint8Array, g = this.seq): Verdict {
    if (!Number.isSafeInteger(g) || g < 0) return deny('RANGE_INVALID', `governance position ${g}`);
    if (g > this.seq)
      return deny(
        'GOV_POSITION_UNKNOWN',
        `position ${g} is beyond the verified governance log (at ${this.seq})`,
      );
    if (this.#memberAt(org, g) === undefined) return deny('UNKNOWN_ORG', this.#notMember(org, g));
    if (this.encryptionKeysAt(org, g).some((k) => equalBytes(k.keyId, keyId))) return OK;
    const found = this.#encryptionKeys.get(toHex(keyId));
    const why =
      found === undefined
        ? 'was never set'
        : found.org.id !== org
          ? `belongs to "${found.org.id}"`
          : found.era.from > g
            ? `is set at position ${found.era.from}`
            : `was ${found.era.withdrawn === undefined ? 'replaced' : 'withdrawn'} at position ${found.era.until}`;
    return deny(
      'ENCRYPTION_KEY_UNKNOWN',
      `encryption key ${toHex(keyId)} of "${org}" ${why}, not in force at ${g}`,
    );
  }

  /**
   * The recipients for sealing at `g`: each of `orgs` (those the profile's policy authorises) with
   * its encryption keys in force there. Orgs without one — not members, never set, withdrawn —
   * are listed in `missing`, so the caller decides whether to seal without them.
   */
  sealRecipientsAt(
    orgs: Iterable<string>,
    g = this.seq,
  ): { readonly recipients: SealRecipient[]; readonly missing: string[] } {
    this.#requireKnown(g);
    const recipients: SealRecipient[] = [];
    const missing: string[] = [];
    for (const org of new Set(orgs)) {
      const keys = this.encryptionKeysAt(org, g);
      if (keys.length === 0) missing.push(org);
      for (const k of keys) recipients.push({ org, publicKey: k.key, keyId: k.keyId });
    }
    return { recipients, missing };
  }

  /** Is org O frozen, and at which log size? As known now, whatever position is asked about. */
  freezeOf(org: string): Freeze | undefined {
    return this.#orgs.get(org)?.removed;
  }

  /** Every node key `org` has had, oldest first. */
  nodeKeysOf(org: string): NodeKeyRecord[] {
    const record = this.#orgs.get(org);
    return record === undefined ? [] : record.keys.map((era) => keyRecord(record, era));
  }

  /** The org and life of a node key, if it was ever enrolled: maps a peer's key to its org. */
  nodeKeyRecord(key: Uint8Array): NodeKeyRecord | undefined {
    const found = this.#nodeKeys.get(toHex(key));
    return found === undefined ? undefined : keyRecord(found.org, found.era);
  }

  /** True when `key` was ever a node key of `org` (at any position). */
  isNodeKeyOf(org: string, key: Uint8Array): boolean {
    const record = this.#orgs.get(org);
    return record?.keys.some((era) => equalBytes(era.key, key)) ?? false;
  }

  /**
   * Was node key `key` valid for `org` at a governance position, and for a block height? In order:
   * the position is known (GOV_POSITION_UNKNOWN), the org a member there (UNKNOWN_ORG), the key one
   * of its node keys (NODE_KEY_UNKNOWN), enrolled at or before the position
   * (NODE_KEY_NOT_YET_VALID), and not retired: a rotated-out key signs no block above its last
   * height, and — when no height is given — nothing at positions from its rotation on
   * (NODE_KEY_RETIRED). Freeze points are separate: see `checkHeader` and `checkAuthority`.
   */
  nodeKeyStatus(org: string, key: Uint8Array, where: KeyPosition = {}): Verdict {
    const g = where.governance ?? this.seq;
    if (!Number.isSafeInteger(g) || g < 0) return deny('RANGE_INVALID', `governance position ${g}`);
    if (g > this.seq) {
      return deny(
        'GOV_POSITION_UNKNOWN',
        `position ${g} is beyond the verified governance log (at ${this.seq})`,
      );
    }
    const record = this.#memberAt(org, g);
    if (record === undefined) return deny('UNKNOWN_ORG', this.#notMember(org, g));
    return this.#keyVerdict(record, key, g, where.height);
  }

  /** `nodeKeyStatus(…).ok`. */
  isNodeKeyValid(org: string, key: Uint8Array, where: KeyPosition = {}): boolean {
    return this.nodeKeyStatus(org, key, where).ok;
  }

  /** The node keys that may sign `org`'s header at a governance position and height. */
  nodeKeysFor(org: string, where: { readonly governance: number; readonly height: number }): Uint8Array[] {
    const record = this.#orgs.get(org);
    if (record === undefined) return [];
    return record.keys.filter((era) => this.nodeKeyStatus(org, era.key, where).ok).map((era) => era.key);
  }

  /** Used by `checkAuthority`: the key rule for a member org, position already checked. */
  keyVerdictFor(org: string, key: Uint8Array, g: number, height: number | undefined): Verdict {
    const record = this.#orgs.get(org);
    if (record === undefined) return deny('UNKNOWN_ORG', this.#notMember(org, g));
    return this.#keyVerdict(record, key, g, height);
  }

  #keyVerdict(org: OrgRecord, key: Uint8Array, g: number, height: number | undefined): Verdict {
    const era = org.keys.find((e) => equalBytes(e.key, key));
    const hex = toHex(key);
    if (era === undefined) return deny('NODE_KEY_UNKNOWN', `${hex} is not a node key of "${org.id}"`);
    if (era.from > g) {
      return deny(
        'NODE_KEY_NOT_YET_VALID',
        `node key ${hex} of "${org.id}" is enrolled at position ${era.from}; the block claims ${g}`,
      );
    }
    if (era.retiredAt !== undefined) {
      const until = era.untilHeight as number;
      if (height !== undefined && height > until) {
        return deny(
          'NODE_KEY_RETIRED',
          `node key ${hex} of "${org.id}" was rotated out at position ${era.retiredAt}; it signs blocks up to height ${until}, not ${height}`,
        );
      }
      if (height === undefined && era.retiredAt <= g) {
        return deny(
          'NODE_KEY_RETIRED',
          `node key ${hex} of "${org.id}" was rotated out at position ${era.retiredAt} (overlap up to block height ${until}; no height given)`,
        );
      }
    }
    return OK;
  }

  /** Used by `checkAuthority`: is the org a member at `g` (UNKNOWN_ORG), and below its freeze point? */
  orgVerdict(org: string, g: number, logIndex?: number): Verdict {
    if (this.#memberAt(org, g) === undefined) return deny('UNKNOWN_ORG', this.#notMember(org, g));
    const freeze = this.#orgs.get(org)?.removed;
    if (freeze !== undefined && logIndex !== undefined && logIndex >= freeze.size) {
      return deny(
        'ORG_FROZEN',
        `"${org}" was removed at governance position ${freeze.seq}, its log frozen at size ${freeze.size}; index ${logIndex} is beyond it (${freeze.reason})`,
      );
    }
    return OK;
  }

  #notMember(org: string, g: number): string {
    const record = this.#orgs.get(org);
    if (record === undefined) {
      return this.seq === 0
        ? `org "${org}" is not in the genesis`
        : `org "${org}" is not a member of the network`;
    }
    if (record.addedAt > g) return `org "${org}" is added at position ${record.addedAt}, after ${g}`;
    return `org "${org}" was removed at position ${(record.removed as Freeze).seq}, not after ${g}`;
  }

  /**
   * The check of a block header before its signature is verified with `signer`: the position it
   * records is ours (GOV_POSITION_UNKNOWN / GOV_POSITION_MISMATCH), the org a member there
   * (UNKNOWN_ORG), the tree size within any freeze point (ORG_FROZEN), and `signer` a node key
   * valid for that position and height (NODE_KEY_*).
   */
  checkHeader(claim: HeaderClaim): Verdict {
    const position = this.positionVerdict(claim.governance);
    if (!position.ok) return position;
    const g = claim.governance.seq;
    const org = this.orgVerdict(claim.org, g, claim.size - 1);
    if (!org.ok) return org;
    return this.keyVerdictFor(claim.org, claim.signer, g, claim.height);
  }

  /**
   * The node keys a connection gater admits now: the current key of every member, and each
   * rotated-out key of a member while the org's latest known block height (`heightOf`) is within
   * its overlap window. Without `heightOf`, rotated-out keys are not admitted.
   */
  admittedNodeKeys(heightOf?: (org: string) => number | undefined): Uint8Array[] {
    const keys: Uint8Array[] = [];
    for (const org of this.#orgs.values()) {
      if (org.removed !== undefined) continue;
      const height = heightOf?.(org.id);
      for (const era of org.keys) {
        if (era.retiredAt === undefined) keys.push(era.key);
        else if (height !== undefined && height <= (era.untilHeight as number)) keys.push(era.key);
      }
    }
    return keys;
  }

  /** The whole state at `g`, for display. */
  view(g = this.seq): GovernanceView {
    this.#requireKnown(g);
    const removed: { org: string; freeze: Freeze }[] = [];
    for (const org of this.#orgs.values()) {
      if (org.removed !== undefined && org.removed.seq <= g)
        removed.push({ org: org.id, freeze: org.removed });
    }
    return {
      position: this.position(g),
      authorities: this.authoritiesAt(g),
      parameters: this.parametersAt(g),
      orgs: this.orgsAt(g),
      removed,
    };
  }
}

function encryptionKeyRecord(org: OrgRecord, era: EncryptionKeyEra): EncryptionKeyRecord {
  return {
    org: org.id,
    key: era.key,
    keyId: era.keyId,
    from: era.from,
    ...(era.until === undefined ? {} : { until: era.until }),
    ...(era.withdrawn === undefined ? {} : { withdrawn: era.withdrawn }),
  };
}

function keyRecord(org: OrgRecord, era: KeyEra): NodeKeyRecord {
  return {
    org: org.id,
    key: era.key,
    enrolledAt: era.from,
    ...(era.retiredAt === undefined
      ? {}
      : { retiredAt: era.retiredAt, untilHeight: era.untilHeight as number }),
  };
}

/**
 * Folds the genesis and the governance log into the state at the log's last position. Every
 * action is checked as `GovernanceState.apply` checks it; the first failure throws.
 */
export function foldGovernance(
  genesis: Genesis,
  actions: Iterable<SignedAction>,
  network?: Uint8Array,
): GovernanceState {
  const state = GovernanceState.fromGenesis(genesis, network);
  for (const signed of actions) state.apply(signed);
  return state;
}
