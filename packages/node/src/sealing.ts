/**
 * The node side of sealed sections (DESIGN §11, docs/protocol.md §15): which body fields the
 * profile classifies, which orgs may read a restricted field, sealing a draft before the node
 * signs it, and the scoped view of a stored entry for one API token. Pure apart from the rng:
 * every input (profile, governance state and position, the org's keys, the entry's grants) is an
 * argument, so the API, the CLI and the tests get the same answer.
 *
 * Only unsigned API requests are sealed here: the node builds and signs those entries, so it is
 * their author. A pre-signed envelope is sealed (or not) by its author; the profile judges what
 * it carries in plain (pipe/1 refuses any restricted field in plain: PIPE_CLASSIFICATION).
 *
 * Which orgs read restricted data is the profile's policy (`partySealPolicy` of pipe/1), and
 * which grants of an entry count is the trace's rule (`grantsOf`): both are re-exported here for
 * the node's callers.
 */
import {
  type CborMap,
  type CborValue,
  type Classification,
  type Clearance,
  cborToJson,
  type EncryptionKeyPair,
  type Entry,
  type EntryView,
  LiuhenError,
  type Profile,
  type Rng,
  type SealRecipient,
  scopedView,
  sealFields,
  splitRestricted,
  toHex,
  type WrapSet,
} from '@liuhen/core';
import type { GovernanceState } from '@liuhen/governance';
import { partySealPolicy, type SealPolicy } from '@liuhen/profile-pipe';

export { partySealPolicy, RESTRICTED_READER_PARTIES, type SealPolicy } from '@liuhen/profile-pipe';
export { grantsOf } from '@liuhen/trace';

const RANK: Record<Classification, number> = { public: 0, internal: 1, restricted: 2 };

/**
 * The classification of each top-level body field of each kind: the highest of the field's parts
 * (`points[].xM` makes `points` restricted), from the profile's kind descriptors. Built once per
 * profile; kinds the profile does not describe (org.* acts) have none.
 */
export class FieldClassifier {
  readonly #kinds = new Map<string, Map<string, Classification>>();

  constructor(profile: Pick<Profile, 'kinds'>) {
    for (const kind of profile.kinds) {
      const fields = new Map<string, Classification>();
      for (const field of kind.fields) {
        const top = /^[^.[]+/.exec(field.path)?.[0];
        if (top === undefined) continue;
        const known = fields.get(top);
        if (known === undefined || RANK[field.classification] > RANK[known])
          fields.set(top, field.classification);
      }
      this.#kinds.set(kind.kind, fields);
    }
  }

  /** The field's classification, or undefined when the profile does not classify it. */
  classify(kind: string, field: string): Classification | undefined {
    return this.#kinds.get(kind)?.get(field);
  }

  isRestricted(kind: string, field: string): boolean {
    return this.classify(kind, field) === 'restricted';
  }

  /** The restricted top-level fields of `kind`, ascending. */
  restrictedFields(kind: string): string[] {
    return [...(this.#kinds.get(kind) ?? new Map<string, Classification>()).entries()]
      .filter(([, c]) => c === 'restricted')
      .map(([f]) => f)
      .sort();
  }
}

export interface SealInput {
  readonly network: Uint8Array;
  readonly org: string;
  readonly object: string;
  readonly kind: string;
  readonly body: CborMap;
  readonly classification: Classification;
}

export interface SealOutcome {
  readonly body: CborMap;
  readonly classification: Classification;
  readonly sealed?: CborMap;
  /** The recipients the data key was wrapped to. */
  readonly recipients: readonly SealRecipient[];
  /** Orgs the policy authorises that have no encryption key in force: left out. */
  readonly missing: readonly string[];
}

/**
 * Moves the restricted fields of a draft's body into a sealed section, wrapped to the encryption
 * keys in force at `position` of the orgs `policy` authorises (`sealRecipientsAt`). A draft with
 * no restricted field comes back unchanged. When no authorised org has a key in force, the draft
 * is refused with ENCRYPTION_KEY_UNKNOWN: writing the fields in plain would publish them to every
 * node, and sealing them to nobody would lose them.
 */
export function sealDraft(
  draft: SealInput,
  options: {
    readonly classifier: FieldClassifier;
    readonly governance: GovernanceState;
    readonly position: number;
    readonly policy?: SealPolicy;
    readonly rng?: Rng;
  },
): SealOutcome {
  const split = splitRestricted(draft.body, (field) => options.classifier.isRestricted(draft.kind, field));
  if (split.restricted === undefined)
    return { body: draft.body, classification: draft.classification, recipients: [], missing: [] };
  const policy = options.policy ?? partySealPolicy();
  const readers = policy({
    author: draft.org,
    kind: draft.kind,
    object: draft.object,
    governance: options.governance,
    position: options.position,
  });
  const { recipients, missing } = options.governance.sealRecipientsAt(readers, options.position);
  if (recipients.length === 0)
    throw new LiuhenError(
      'ENCRYPTION_KEY_UNKNOWN',
      `body.${Object.keys(split.restricted).sort().join(', body.')} ${Object.keys(split.restricted).length === 1 ? 'is' : 'are'} restricted, and none of the authorised orgs (${readers.join(', ')}) has an encryption key in force at governance position ${options.position}; publish one with org.set-encryption-key`,
    );
  const sealed = sealFields(
    split.restricted,
    recipients,
    { network: draft.network, org: draft.org, object: draft.object, kind: draft.kind },
    options.rng === undefined ? {} : { rng: options.rng },
  );
  // §15.2: an entry with a sealed map is classified restricted.
  return { body: split.body, classification: 'restricted', sealed, recipients, missing };
}

/** A stored entry with its id, as the node's reads return them. */
export interface StoredEntry {
  readonly id: Uint8Array;
  readonly entry: Entry;
}

/** The orgs that hold a wrap of `target`: its section's and its valid grants'. */
export function readersOf(target: StoredEntry, grants: readonly WrapSet[]): Set<string> {
  const readers = new Set<string>();
  const sealed = target.entry.sealed as { recipients?: Array<{ org?: unknown }> } | undefined;
  for (const w of sealed?.recipients ?? []) if (typeof w.org === 'string') readers.add(w.org);
  for (const set of grants) for (const w of set.recipients) readers.add(w.org);
  return readers;
}

export interface Reader {
  readonly org: string;
  readonly clearance: Clearance;
  readonly keys: readonly EncryptionKeyPair[];
}

/**
 * The entry as `reader` may see it (core `scopedView`), with body fields classified by the
 * profile. A sealed section that does not open is reported in the view, never thrown.
 */
export function viewFor(
  signed: StoredEntry,
  reader: Reader,
  classifier: FieldClassifier,
  grants: readonly WrapSet[] = [],
): EntryView {
  return scopedView(
    signed,
    { org: reader.org, clearance: reader.clearance, keys: reader.keys },
    { grants, classify: (field, entry) => capped(classifier.classify(entry.kind, field), entry) },
  );
}

/**
 * A plain field's classification: the profile's, but at most `internal` — a field in plain is
 * readable by every node that stores the entry, whatever it is labelled (§15.7) — and, for a
 * field the profile does not classify, the entry's own, capped the same way.
 */
function capped(classification: Classification | undefined, entry: Entry): Classification {
  const c = classification ?? entry.classification;
  return c === 'restricted' ? 'internal' : c;
}

/** The JSON rendering of a view for the API: bytes as hex, the marker's reason and code kept. */
export function viewToJson(view: EntryView): Record<string, unknown> {
  const sealed = view.sealed;
  return {
    clearance: view.clearance,
    body: cborToJson(view.body as CborValue),
    withheld: view.withheld,
    ...(sealed === undefined
      ? {}
      : {
          sealed: sealed.restricted
            ? {
                restricted: true,
                reason: sealed.reason,
                code: sealed.code,
                detail: sealed.detail,
                recipients: sealed.recipients.map((r) => ({ org: r.org, keyId: toHex(r.keyId), via: r.via })),
                ...(sealed.ciphertext === undefined
                  ? {}
                  : {
                      ciphertext: Buffer.from(sealed.ciphertext).toString('base64'),
                      nonce: toHex(sealed.nonce as Uint8Array),
                      ephemeral: toHex(sealed.ephemeral as Uint8Array),
                    }),
              }
            : {
                restricted: false,
                fields: cborToJson(sealed.fields as CborValue),
                recipients: sealed.recipients.map((r) => ({ org: r.org, keyId: toHex(r.keyId), via: r.via })),
              },
        }),
  };
}
