/**
 * Classification and access on the API (DESIGN §11, docs/protocol.md §15): what the node knows
 * that the pure pieces need — its org, its X25519 secrets, its node key, the profile's field
 * classes, the governance state — put together per request. Seals unsigned drafts, renders the
 * scoped view of stored entries for a token, and records every read that hands out restricted
 * plaintext (an `org.read-audit` entry, durable before the plaintext leaves the node).
 */
import {
  buildReadAudit,
  type CborMap,
  type Classification,
  type Clearance,
  type EncryptionKeyPair,
  type EntryView,
  isClearance,
  LiuhenError,
  MAX_AUDITED_READS,
  publicKeyFromSeed,
  type Rng,
  signEntry,
} from '@liuhen/core';
import type { LedgerNode } from '../ledger-node.ts';
import {
  FieldClassifier,
  grantsOf,
  type Reader,
  type SealOutcome,
  type SealPolicy,
  type StoredEntry,
  sealDraft,
  viewFor,
} from '../sealing.ts';

/** What a token may see when its entry in tokens.json names no clearance. */
export const DEFAULT_CLEARANCE: Clearance = 'internal';

/** The keys and policy a node needs for sealed sections; the daemon loads them (data-dir.ts). */
export interface AccessOptions {
  /** The org's X25519 encryption key pairs, current and retired. */
  readonly encryptionKeys: readonly EncryptionKeyPair[];
  /** The org node key's seed: signs grants and read audits (org.* acts). */
  readonly nodeSeed: Uint8Array;
  readonly policy?: SealPolicy;
  /** Tests pass a deterministic one. */
  readonly rng?: Rng;
}

/** Who is asking: the token's name, operator and clearance. */
export interface Caller {
  readonly name: string;
  readonly operator?: string | undefined;
  readonly clearance?: string | undefined;
}

export function clearanceOf(caller: Caller | undefined): Clearance {
  const c = caller?.clearance;
  return c === undefined ? DEFAULT_CLEARANCE : isClearance(c) ? c : DEFAULT_CLEARANCE;
}

/**
 * The clearance a request reads at: the one asked for (`?clearance=`), which may not exceed the
 * token's (CLEARANCE_TOO_LOW), else the token's.
 */
export function requestedClearance(caller: Caller | undefined, asked: string | undefined): Clearance {
  const own = clearanceOf(caller);
  if (asked === undefined) return own;
  if (!isClearance(asked))
    throw new LiuhenError('REQUEST_INVALID', `clearance "${asked}": expected public, internal or restricted`);
  const rank = { public: 0, internal: 1, restricted: 2 } as const;
  if (rank[asked] > rank[own])
    throw new LiuhenError(
      'CLEARANCE_TOO_LOW',
      `this token is cleared for ${own}; it cannot read at ${asked}`,
    );
  return asked;
}

export class NodeAccess {
  readonly node: LedgerNode;
  readonly classifier: FieldClassifier;
  readonly #options: AccessOptions;
  readonly nodeKey: Uint8Array;

  constructor(node: LedgerNode, options: AccessOptions) {
    this.node = node;
    this.#options = options;
    this.classifier = new FieldClassifier(node.profile);
    this.nodeKey = publicKeyFromSeed(options.nodeSeed);
  }

  get encryptionKeys(): readonly EncryptionKeyPair[] {
    return this.#options.encryptionKeys;
  }

  /** Seals the restricted fields of an unsigned request at the current governance position. */
  seal(draft: { object: string; kind: string; body: CborMap; classification: Classification }): SealOutcome {
    const governance = this.node.governance.state;
    return sealDraft(
      { ...draft, network: this.node.networkId, org: this.node.org },
      {
        classifier: this.classifier,
        governance,
        position: governance.seq,
        ...(this.#options.policy === undefined ? {} : { policy: this.#options.policy }),
        ...(this.#options.rng === undefined ? {} : { rng: this.#options.rng }),
      },
    );
  }

  reader(caller: Caller | undefined, clearance: Clearance = clearanceOf(caller)): Reader {
    return { org: this.node.org, clearance, keys: this.#options.encryptionKeys };
  }

  /**
   * Views of `targets` (entries of one object) for the reader; `trace` is the object's entries in
   * causal order, where the grants of each target are found. When any view holds restricted
   * plaintext, the read is recorded first (`audit`): if the record cannot be made, the request
   * fails and nothing is shown.
   */
  async views(
    targets: readonly StoredEntry[],
    trace: readonly StoredEntry[],
    reader: Reader,
    audit: { readonly caller: Caller | undefined; readonly route: string },
  ): Promise<EntryView[]> {
    const views = targets.map((t) =>
      viewFor(t, reader, this.classifier, t.entry.sealed === undefined ? [] : grantsOf(t, trace)),
    );
    const read = targets.filter((_, i) => views[i]?.sealed?.restricted === false);
    if (read.length > 0) await this.recordRead(read, audit.caller, audit.route);
    return views;
  }

  /**
   * Appends `org.read-audit` entries (core read-audit.ts) for the entries read, one per object
   * and per MAX_AUDITED_READS entries, and waits until they are durable.
   */
  async recordRead(read: readonly StoredEntry[], caller: Caller | undefined, route: string): Promise<void> {
    const byObject = new Map<string, StoredEntry[]>();
    for (const r of read) byObject.set(r.entry.object, [...(byObject.get(r.entry.object) ?? []), r]);
    const appends: Promise<unknown>[] = [];
    for (const [object, entries] of byObject) {
      for (let i = 0; i < entries.length; i += MAX_AUDITED_READS) {
        const entry = buildReadAudit({
          network: this.node.networkId,
          org: this.node.org,
          signer: this.nodeKey,
          object,
          entries: entries.slice(i, i + MAX_AUDITED_READS).map((e) => e.id),
          token: caller?.name ?? 'unknown',
          ...(caller?.operator === undefined ? {} : { operator: caller.operator }),
          route,
          time: Date.now(),
        });
        const signed = signEntry(entry, this.#options.nodeSeed, this.node.parameters.maxEntryBytes);
        appends.push(this.node.appendSigned(signed.envelope));
      }
    }
    await Promise.all(appends);
  }

  /** Signs an org act (a grant) with the node key and appends it; resolves once durable. */
  appendOrgAct(entry: Parameters<typeof signEntry>[0]) {
    return this.node.appendSigned(
      signEntry(entry, this.#options.nodeSeed, this.node.parameters.maxEntryBytes).envelope,
    );
  }
}
