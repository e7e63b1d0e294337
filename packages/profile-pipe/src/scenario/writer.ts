/**
 * Writes the scenario's entries: real entries built and signed with core, each object's DAG
 * heads tracked as an author would see them, small attachment files kept by SHA-256, and a
 * simulated first-witnessed time per entry. Restricted fields are sealed as a department node
 * seals them (DESIGN §11): to the encryption keys of the author and of the orgs the profile's
 * policy names, never left in plain.
 */
import {
  type Attachment,
  buildEntry,
  type CborMap,
  type Classification,
  concatBytes,
  type EntryRef,
  type SignedEntry,
  sealFields,
  sha256,
  signEntry,
  splitRestricted,
  toHex,
  utf8,
} from '@liuhen/core';
import { restrictedFields } from '../body.ts';
import { kindSpec } from '../kinds/index.ts';
import type { Role } from '../roles.ts';
import { restrictedReaders } from '../seal-policy.ts';
import type { CastOrg, Person } from './cast.ts';
import type { Rng } from './rng.ts';

export interface WriteOptions {
  readonly by: Person;
  readonly role: Role;
  readonly object: string;
  readonly kind: string;
  readonly time: number;
  readonly body: CborMap;
  readonly refs?: readonly EntryRef[];
  readonly attachments?: readonly Attachment[];
  readonly classification?: Classification;
  /** Parents other than the object's current heads (e.g. an attestation made concurrently). */
  readonly parents?: readonly Uint8Array[];
  /** Delay from the claimed time to the first witness cosignature, ms. */
  readonly witnessDelay?: number;
  /**
   * Leave the restricted fields in the plain body, as a careless author would (for tests of the
   * structural check that refuses it).
   */
  readonly inPlain?: boolean;
}

/**
 * Deterministic bytes for sealing (data key, nonce, ephemeral key): SHA-256 in counter mode over
 * the entry's position, so a scenario is the same bytes on every run without drawing on the
 * generator's own random stream.
 */
function sealingBytes(network: Uint8Array, position: number): (length: number) => Uint8Array {
  let block = 0;
  return (length) => {
    const out = new Uint8Array(length);
    for (let at = 0; at < length; at += 32) {
      const next = sha256(concatBytes(network, utf8(`liuhen scenario seal ${position} ${block++}`)));
      out.set(next.subarray(0, Math.min(32, length - at)), at);
    }
    return out;
  };
}

export class Writer {
  readonly entries: SignedEntry[] = [];
  readonly blobs = new Map<string, Uint8Array>();
  readonly firstWitnessed = new Map<string, number>();
  readonly #heads = new Map<string, Uint8Array[]>();
  /** Every body as written, restricted fields included, by entry id (hex). */
  readonly #bodies = new Map<string, CborMap>();
  readonly #network: Uint8Array;
  readonly #rng: Rng;
  readonly #orgs: readonly CastOrg[];

  constructor(network: Uint8Array, rng: Rng, orgs: readonly CastOrg[]) {
    this.#network = network;
    this.#rng = rng;
    this.#orgs = orgs;
  }

  write(o: WriteOptions): SignedEntry {
    const parents = o.parents ?? this.#heads.get(o.object) ?? [];
    const context = { network: this.#network, org: o.by.org, object: o.object, kind: o.kind };
    const spec = kindSpec(o.kind);
    const restricted = spec === undefined ? [] : restrictedFields(spec);
    const split = splitRestricted(o.body, (field) => o.inPlain !== true && restricted.includes(field));
    const sealed =
      split.restricted === undefined
        ? undefined
        : sealFields(split.restricted, this.#recipients(o.by.org), context, {
            rng: sealingBytes(this.#network, this.entries.length),
          });
    const entry = buildEntry({
      ...context,
      time: Math.round(o.time),
      signer: o.by.key,
      role: o.role,
      body: split.body,
      parents,
      refs: o.refs ?? [],
      attachments: o.attachments ?? [],
      // An entry with a sealed section is classified restricted (protocol §15.2).
      classification: sealed === undefined ? (o.classification ?? 'public') : 'restricted',
      ...(sealed === undefined ? {} : { sealed }),
    });
    const signed = signEntry(entry, o.by.seed);
    this.#bodies.set(toHex(signed.id), o.body);
    const cited = new Set(parents.map(toHex));
    const heads = (this.#heads.get(o.object) ?? []).filter((h) => !cited.has(toHex(h)));
    this.#heads.set(o.object, [...heads, signed.id]);
    this.entries.push(signed);
    this.firstWitnessed.set(toHex(signed.id), entry.time + (o.witnessDelay ?? this.#rng.int(3, 45) * 60_000));
    return signed;
  }

  /** `by` attests `target` as `role`, concurrently with whatever followed the target. */
  attest(target: SignedEntry, by: Person, role: Role, time: number, statement = 'agreed'): SignedEntry {
    return this.write({
      by,
      role,
      object: target.entry.object,
      kind: 'attest',
      time,
      body: { statement },
      refs: [{ entry: target.id, rel: 'attests' }],
      parents: [target.id],
    });
  }

  /** A small generated file standing in for a photo, report or video; returns its descriptor. */
  file(name: string, type: string, content: string): Attachment {
    const bytes = utf8(`${type} stand-in\n${content}\n`);
    const digest = sha256(bytes);
    this.blobs.set(toHex(digest), bytes);
    return { sha256: digest, size: bytes.length, type, name };
  }

  heads(object: string): readonly Uint8Array[] {
    return this.#heads.get(object) ?? [];
  }

  /** The body `signed` was written with, its sealed fields included. */
  bodyOf(signed: SignedEntry): CborMap {
    return this.#bodies.get(toHex(signed.id)) ?? signed.entry.body;
  }

  #recipients(author: string): { org: string; publicKey: Uint8Array }[] {
    const readers = restrictedReaders(author, this.#orgs);
    return this.#orgs
      .filter((o) => readers.includes(o.id))
      .map((o) => ({ org: o.id, publicKey: o.encryptionKey.publicKey }));
  }
}
