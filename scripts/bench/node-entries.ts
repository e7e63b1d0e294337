/**
 * The entries the node benchmarks append: pipe-lifecycle records of about 400 envelope bytes,
 * signed by QI operators, on pipe segments whose histories are hash-linked chains (each entry
 * names the segment's previous entry as its parent). Their bodies are the pipe profile's sample
 * bodies, valid under its schemas, so the node's profile checks run in full. Shared by the main
 * thread and the signing workers, so it imports core and the samples module only (not the
 * profile's scenario generator).
 */
import { buildEntry, type Entry, sha256, utf8 } from '@liuhen/core';
import {
  type SampleKind,
  sampleBody,
  sampleSegment,
} from '../../packages/profile-pipe/src/scenario/samples.ts';

/** Claimed time of the first bulk entry; entry n claims FIRST_TIME + n × 30 s. */
export const FIRST_TIME = Date.parse('2025-01-01T00:00:00Z');
export const ENTRY_SPACING_MS = 30_000;

/** Kinds a QI operator may sign under the pipe profile. */
const KINDS: readonly SampleKind[] = [
  'construction.pipe-laid',
  'construction.joint-made',
  'construction.bedding',
  'construction.backfill-layer',
  'construction.trench-excavated',
  'inspection.hidden-works-selfcheck',
];

export interface EntrySpec {
  /** Position in the generated sequence: varies kind, body and attachment. */
  readonly n: number;
  readonly object: string;
  readonly parent: Uint8Array | undefined;
  /** Index into the operator list. */
  readonly operator: number;
}

/** Pipe segment `j`: `seg:SZ-WS100000-WS100001#1`, `seg:SZ-WS100001-WS100002#1`, … */
export function segment(j: number): string {
  return sampleSegment(j);
}

/**
 * The spec of entry `n` of a run over `objects` segments: segment n mod objects, parent the
 * entry n − objects (the same segment's previous one). `ids` holds the ids signed so far.
 */
export function chainSpec(
  n: number,
  objects: number,
  operators: number,
  ids: (n: number) => Uint8Array,
): EntrySpec {
  return {
    n,
    object: segment(n % objects),
    parent: n >= objects ? ids(n - objects) : undefined,
    operator: n % operators,
  };
}

export function entryKind(n: number): SampleKind {
  return KINDS[n % KINDS.length] as SampleKind;
}

export function entryTime(n: number): number {
  return FIRST_TIME + n * ENTRY_SPACING_MS;
}

export function draftEntry(network: Uint8Array, org: string, signer: Uint8Array, spec: EntrySpec): Entry {
  const { n } = spec;
  return buildEntry({
    network,
    org,
    object: spec.object,
    kind: entryKind(n),
    parents: spec.parent ? [spec.parent] : [],
    time: entryTime(n),
    signer,
    role: 'QI',
    body: sampleBody(entryKind(n), Math.floor(n / KINDS.length)),
    // Every fourth record carries a site photo.
    attachments:
      n % 4 === 0
        ? [
            {
              sha256: sha256(utf8(`photo ${n}`)),
              size: 400_000 + (n % 100_000),
              type: 'image/jpeg',
              name: 'site.jpg',
            },
          ]
        : [],
  });
}
