/**
 * Scoped views of entries (DESIGN §11): what a reader of one org, at one clearance, holding some
 * X25519 private keys, may see of an entry. Plain body fields are shown when the clearance covers
 * their classification; the sealed fields only when the clearance is `restricted` and the org
 * holds a wrap that one of its keys opens. Everything else is replaced by a `restricted` marker
 * that says why, with the recipients and (for an authenticated reader) the ciphertext.
 *
 * In core rather than governance: a view needs only the entry, its checked grants and the
 * reader's keys. Who holds a wrap is written in the entry itself, a clearance belongs to the
 * reader's token, not to the governance log, and the inspector and web page, which depend on core
 * alone, must show exactly what the node's API shows.
 */
import type { CryptoBackend } from './backend/types.ts';
import { type CborMap, CLASSIFICATIONS, type Classification, type Entry } from './entry.ts';
import { type ErrorCode, LiuhenError } from './errors.ts';
import {
  type EncryptionSecret,
  parseSealed,
  type SealedSection,
  sealContext,
  unsealFields,
  type WrapSet,
} from './sealed.ts';

export const CLEARANCES = CLASSIFICATIONS;
/** What a reader may see: content classified at or below it. */
export type Clearance = Classification;

const RANK: Record<Classification, number> = { public: 0, internal: 1, restricted: 2 };

export function isClearance(value: unknown): value is Clearance {
  return typeof value === 'string' && Object.hasOwn(RANK, value);
}

/** True when a reader at `clearance` may see content classified `classification`. */
export function clearanceCovers(clearance: Clearance, classification: Classification): boolean {
  return RANK[clearance] >= RANK[classification];
}

/** CLEARANCE_TOO_LOW unless `clearance` covers `classification`; for API guards. */
export function requireClearance(
  clearance: Clearance,
  classification: Classification,
  what = 'the content',
): void {
  if (!clearanceCovers(clearance, classification))
    throw new LiuhenError(
      'CLEARANCE_TOO_LOW',
      `${what} is ${classification}; the reader is cleared for ${clearance}`,
    );
}

export interface ViewReader {
  /** The reader's org; without one, no sealed field is ever shown. */
  readonly org?: string;
  readonly clearance: Clearance;
  /** The org's X25519 private keys (current and retired), for the sealed section. */
  readonly keys?: EncryptionSecret | readonly EncryptionSecret[];
}

export interface ViewOptions {
  /** Wrap sets of the entry's checked grants (`checkGrant`), in log order. */
  readonly grants?: readonly WrapSet[];
  /**
   * The classification of a top-level body field (the profile's, the highest of the field's
   * parts); undefined means the default: the entry's classification, at most `internal`, since a
   * plain body field is readable by every node whatever it is labelled.
   */
  readonly classify?: (field: string, entry: Entry) => Classification | undefined;
  readonly backend?: CryptoBackend;
}

export interface RecipientInfo {
  readonly org: string;
  readonly keyId: Uint8Array;
  /** `entry` for the section's own wraps; `grant` for a wrap added by a grant. */
  readonly via: 'entry' | 'grant';
}

/**
 * Why a sealed section is not shown: the clearance is below `restricted`; the reader names no org
 * or its org holds no wrap; its org holds a wrap but no key was given, or none matches; the
 * section does not open (malformed, or an AEAD failure: reported, never hidden).
 */
export type RestrictedReason = 'clearance' | 'not-recipient' | 'no-key' | 'wrong-key' | 'unreadable';

export type SealedView =
  | {
      readonly restricted: false;
      readonly fields: CborMap;
      readonly recipients: readonly RecipientInfo[];
    }
  | {
      readonly restricted: true;
      readonly reason: RestrictedReason;
      readonly code: ErrorCode;
      readonly detail: string;
      readonly recipients: readonly RecipientInfo[];
      /** The section as stored, for readers that may see ciphertext (not in a public view). */
      readonly ciphertext?: Uint8Array;
      readonly nonce?: Uint8Array;
      readonly ephemeral?: Uint8Array;
    };

/** An entry's fields other than `body` and `sealed`: what every node verifies and may show. */
export type EntryMetadata = Omit<Entry, 'body' | 'sealed'>;

export interface EntryView {
  readonly id?: Uint8Array;
  readonly clearance: Clearance;
  readonly entry: EntryMetadata;
  /** The body fields the clearance covers. */
  readonly body: CborMap;
  /** The body fields left out, ascending. */
  readonly withheld: readonly string[];
  readonly sealed?: SealedView;
}

function metadata(entry: Entry): EntryMetadata {
  const { body: _body, sealed: _sealed, ...rest } = entry;
  return rest;
}

function defaultClassification(entry: Entry): Classification {
  return entry.classification === 'restricted' ? 'internal' : entry.classification;
}

function visibleBody(
  entry: Entry,
  clearance: Clearance,
  options: ViewOptions,
): { body: CborMap; withheld: string[] } {
  const body: CborMap = {};
  const withheld: string[] = [];
  for (const [field, value] of Object.entries(entry.body)) {
    const classification = options.classify?.(field, entry) ?? defaultClassification(entry);
    if (clearanceCovers(clearance, classification)) body[field] = value;
    else withheld.push(field);
  }
  return { body, withheld: withheld.sort() };
}

function recipientsOf(section: SealedSection, grants: readonly WrapSet[]): RecipientInfo[] {
  return [
    ...section.recipients.map((w) => ({ org: w.org, keyId: w.keyId, via: 'entry' as const })),
    ...grants.flatMap((set) =>
      set.recipients.map((w) => ({ org: w.org, keyId: w.keyId, via: 'grant' as const })),
    ),
  ];
}

function restricted(
  reason: RestrictedReason,
  code: ErrorCode,
  detail: string,
  recipients: readonly RecipientInfo[],
  section: SealedSection | undefined,
): SealedView {
  return {
    restricted: true,
    reason,
    code,
    detail,
    recipients,
    ...(section === undefined
      ? {}
      : { ciphertext: section.ciphertext, nonce: section.nonce, ephemeral: section.ephemeral }),
  };
}

const REASON_OF: Partial<Record<ErrorCode, RestrictedReason>> = {
  SEAL_NOT_RECIPIENT: 'not-recipient',
  SEAL_WRONG_KEY: 'wrong-key',
};

function sealedView(
  signed: { readonly entry: Entry; readonly id?: Uint8Array },
  reader: ViewReader,
  options: ViewOptions,
): SealedView {
  let section: SealedSection;
  try {
    section = parseSealed(signed.entry.sealed);
  } catch (error) {
    const e = error as LiuhenError;
    return restricted('unreadable', e.code, e.message, [], undefined);
  }
  const grants = options.grants ?? [];
  const recipients = recipientsOf(section, grants);
  if (!clearanceCovers(reader.clearance, 'restricted')) {
    const detail = `the sealed fields are restricted; the reader is cleared for ${reader.clearance}`;
    return restricted('clearance', 'CLEARANCE_TOO_LOW', detail, recipients, section);
  }
  const org = reader.org;
  if (org === undefined || !recipients.some((r) => r.org === org)) {
    const detail = org === undefined ? 'the reader names no org' : `"${org}" holds no wrapped key`;
    return restricted('not-recipient', 'SEAL_NOT_RECIPIENT', detail, recipients, section);
  }
  const keys = reader.keys === undefined ? [] : Array.isArray(reader.keys) ? reader.keys : [reader.keys];
  if (keys.length === 0)
    return restricted(
      'no-key',
      'SEAL_WRONG_KEY',
      `no private key of "${org}" was given`,
      recipients,
      section,
    );
  try {
    const fields = unsealFields(
      section,
      org,
      keys as readonly EncryptionSecret[],
      sealContext(signed.entry, signed.id),
      {
        grants,
        ...(options.backend === undefined ? {} : { backend: options.backend }),
      },
    );
    return { restricted: false, fields, recipients };
  } catch (error) {
    if (!(error instanceof LiuhenError)) throw error;
    return restricted(REASON_OF[error.code] ?? 'unreadable', error.code, error.message, recipients, section);
  }
}

/**
 * The entry as `reader` may see it. Never throws for what the entry holds: a section that does
 * not open is reported in the view (`reason: "unreadable"`, with its code), so one bad entry
 * does not hide an object's history.
 */
export function scopedView(
  signed: { readonly entry: Entry; readonly id?: Uint8Array },
  reader: ViewReader,
  options: ViewOptions = {},
): EntryView {
  const { entry } = signed;
  const { body, withheld } = visibleBody(entry, reader.clearance, options);
  return {
    ...(signed.id === undefined ? {} : { id: signed.id }),
    clearance: reader.clearance,
    entry: metadata(entry),
    body,
    withheld,
    ...(entry.sealed === undefined ? {} : { sealed: sealedView(signed, reader, options) }),
  };
}

/**
 * The open-data view: the metadata, the body fields classified `public`, and for a sealed entry
 * only the marker and its recipients — no ciphertext, and no plaintext above `public`, whatever
 * keys exist.
 */
export function publicView(
  signed: { readonly entry: Entry; readonly id?: Uint8Array },
  options: Pick<ViewOptions, 'classify' | 'grants'> = {},
): EntryView {
  const view = scopedView(signed, { clearance: 'public' }, options);
  if (view.sealed === undefined || !view.sealed.restricted) return view;
  const { ciphertext: _c, nonce: _n, ephemeral: _e, ...marker } = view.sealed;
  return { ...view, sealed: marker };
}
