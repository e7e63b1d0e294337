/**
 * Writes the scenario's entries: real entries built and signed with core, each object's DAG
 * heads tracked as an author would see them, small attachment files kept by SHA-256, and a
 * simulated first-witnessed time per entry.
 */
import {
  type Attachment,
  buildEntry,
  type CborMap,
  type Classification,
  type EntryRef,
  type SignedEntry,
  sha256,
  signEntry,
  toHex,
  utf8,
} from '@liuhen/core';
import type { Role } from '../roles.ts';
import type { Person } from './cast.ts';
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
}

export class Writer {
  readonly entries: SignedEntry[] = [];
  readonly blobs = new Map<string, Uint8Array>();
  readonly firstWitnessed = new Map<string, number>();
  readonly #heads = new Map<string, Uint8Array[]>();
  readonly #network: Uint8Array;
  readonly #rng: Rng;

  constructor(network: Uint8Array, rng: Rng) {
    this.#network = network;
    this.#rng = rng;
  }

  write(o: WriteOptions): SignedEntry {
    const parents = o.parents ?? this.#heads.get(o.object) ?? [];
    const entry = buildEntry({
      network: this.#network,
      org: o.by.org,
      object: o.object,
      kind: o.kind,
      time: Math.round(o.time),
      signer: o.by.key,
      role: o.role,
      body: o.body,
      parents,
      refs: o.refs ?? [],
      attachments: o.attachments ?? [],
      classification: o.classification ?? 'public',
    });
    const signed = signEntry(entry, o.by.seed);
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
}
