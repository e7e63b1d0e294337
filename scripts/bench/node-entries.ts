/**
 * The entries the node benchmarks append: pipe-lifecycle records of about 400 envelope bytes,
 * signed by QI operators, on pipe segments whose histories are hash-linked chains (each entry
 * names the segment's previous entry as its parent). Shared by the main thread and the signing
 * workers, so it imports core only.
 */
import { buildEntry, type Entry, sha256, utf8 } from '@liuhen/core';

/** Claimed time of the first bulk entry; entry n claims FIRST_TIME + n × 30 s. */
export const FIRST_TIME = Date.parse('2025-01-01T00:00:00Z');
export const ENTRY_SPACING_MS = 30_000;

/** Kinds a QI operator may sign under the default role policy. */
const KINDS = [
  'construction.pipe-laid',
  'construction.joint-made',
  'construction.bedding',
  'construction.backfill-layer',
  'construction.trench-excavated',
  'inspection.hidden-works-selfcheck',
] as const;

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
  return `seg:SZ-WS${String(100000 + j).padStart(6, '0')}-WS${String(100001 + j).padStart(6, '0')}#1`;
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

export function entryKind(n: number): string {
  return KINDS[n % KINDS.length] as string;
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
    body: {
      chainage: [(n % 480) / 10, (n % 480) / 10 + 6],
      axisOffsetMm: n % 17,
      dnMm: 600,
    },
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
