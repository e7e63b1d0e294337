/**
 * Trace assembly: asks a source for everything one object's verification needs and returns it as
 * a bundle. What is asked, per org log that holds a needed entry:
 * - the object's entries, the entries they cite (by id), and the entries of the objects they cite
 *   (by object id), such as a segment's project;
 * - the org's operator certificates below the highest needed index, since authority is judged at
 *   each entry's position;
 * - the header of the block that holds each needed entry (its inclusion proof leads there; its
 *   cosignatures give the first-witnessed time) and the latest header, chained by consistency
 *   proofs in ascending size;
 * - the cosignatures held of those headers (all of them, or by default every one on the latest
 *   header and on the one covering the newest needed entry, and the earliest on each other: see
 *   `AssembleOptions.cosignatures`);
 * then the governance actions up to the highest position a header claims, and attachments if asked.
 */
import {
  decodeEntry,
  decodeEnvelope,
  type Entry,
  formatSignedNote,
  fromHex,
  type NoteSignature,
  parseBlockHeader,
  toHex,
} from '@liuhen/core';
import {
  type Bundle,
  type BundleAttachment,
  type BundleCheckpoint,
  type BundleInput,
  buildBundle,
} from './bundle.ts';
import { TraceError } from './errors.ts';
import type { LocatedEnvelope, TraceSource } from './source.ts';

export interface AssembleOptions {
  /** Include the attachments' bytes, when the source has them (default false). */
  readonly attachments?: boolean;
  /** Stop adding attachments once this many bytes are included (default 64 MiB). */
  readonly maxAttachmentBytes?: number;
  /**
   * Which cosignatures to carry. `minimal` (the default): every one held on each log's latest
   * header, which establishes k-of-n coverage for every entry below it (the headers are chained by
   * consistency proofs); every one on the header covering the object's newest entry in that log,
   * since a latest header cut moments ago may not be cosigned yet; and the earliest one on each
   * other header, which fixes the first-witnessed time of the entries it covers. `all`: every
   * cosignature held.
   */
  readonly cosignatures?: 'minimal' | 'all';
  /**
   * Include every entry of each object the object's entries cite by an `object` ref (default
   * true): a segment cites its project, whose entries appoint the responsible parties' leads that
   * the accountability view names. Only one level: their own citations are not followed.
   */
  readonly citedObjects?: boolean;
  readonly onProgress?: (progress: { phase: string; done: number; total: number }) => void;
}

/** The most signature lines a note may carry (core's limit), the org's own line included. */
const MAX_NOTE_LINES = 100;

function tryDecode(envelope: Uint8Array): Entry | undefined {
  try {
    return decodeEntry(decodeEnvelope(envelope, 1 << 20).entryBytes, { maxBytes: 1 << 20 });
  } catch {
    // Assembly collects evidence; an entry that does not decode is shown and judged by verification.
    return undefined;
  }
}

/** Cosignature lines after the org's own, earliest first, within the note's line limit (or `limit`). */
function withCosignatures(
  note: string,
  cosignatures: readonly NoteSignature[],
  limit = MAX_NOTE_LINES,
): string {
  const header = parseBlockHeader(note);
  const seen = new Set(header.note.signatures.map((s) => `${s.name} ${toHex(s.keyHash)}`));
  const extra = cosignatures.filter((c) => {
    const key = `${c.name} ${toHex(c.keyHash)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const timestamp = (s: NoteSignature) =>
    s.signature.length >= 8
      ? new DataView(s.signature.buffer, s.signature.byteOffset, 8).getBigUint64(0)
      : 0n;
  extra.sort((a, b) => {
    const d = timestamp(a) - timestamp(b);
    return d !== 0n ? (d < 0n ? -1 : 1) : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  });
  const room = Math.max(0, Math.min(limit, MAX_NOTE_LINES - header.note.signatures.length));
  return formatSignedNote({
    text: header.text,
    signatures: [...header.note.signatures, ...extra.slice(0, room)],
  });
}

export async function assembleBundle(
  source: TraceSource,
  object: string,
  options: AssembleOptions = {},
): Promise<Bundle> {
  const progress = options.onProgress ?? (() => undefined);
  const genesis = await source.genesis();
  const own = await source.objectEntries(object);
  if (own.length === 0) throw new TraceError('OBJECT_NOT_FOUND', `no entries of object "${object}"`);
  progress({ phase: 'entries', done: 0, total: own.length });

  // Needed entries by position; decoded ones also name what they cite and attach.
  const needed = new Map<string, LocatedEnvelope>();
  const add = (e: LocatedEnvelope) => needed.set(`${e.org}\u0000${e.index}`, e);
  const cited = new Set<string>();
  const citedObjects = new Set<string>();
  const attachments = new Map<string, Uint8Array>();
  for (const located of own) {
    add(located);
    const entry = tryDecode(located.envelope);
    for (const ref of entry?.refs ?? []) {
      if ('entry' in ref) cited.add(toHex(ref.entry));
      else if (ref.object !== object) citedObjects.add(ref.object);
    }
    for (const a of entry?.attachments ?? []) attachments.set(toHex(a.sha256), a.sha256);
  }
  if (options.citedObjects !== false) {
    for (const other of [...citedObjects].sort())
      for (const located of await source.objectEntries(other)) add(located);
  }
  for (const id of cited) {
    const located = await source.entry(fromHex(id));
    if (located !== undefined) add(located);
  }
  const highest = new Map<string, number>();
  for (const e of needed.values()) highest.set(e.org, Math.max(highest.get(e.org) ?? 0, e.index));
  for (const [org, top] of highest) for (const record of await source.operatorRecords(org, top)) add(record);

  const logs: BundleInput['logs'][number][] = [];
  let governanceUpTo = 0;
  let done = 0;
  for (const org of [...highest.keys()].sort()) {
    const entries = [...needed.values()].filter((e) => e.org === org).sort((a, b) => a.index - b.index);
    const notes = new Map<number, string>();
    const covering = new Map<number, number>();
    for (const e of entries) {
      const note = await source.headerCovering(org, e.index);
      if (note === undefined) {
        throw new TraceError('SOURCE_INCOMPLETE', `no header covers entry ${e.index} of "${org}"`);
      }
      const header = parseBlockHeader(note);
      notes.set(header.size, note);
      covering.set(e.index, header.size);
    }
    const latest = await source.latestHeader(org);
    if (latest !== undefined) notes.set(parseBlockHeader(latest).size, latest);
    const sizes = [...notes.keys()].sort((a, b) => a - b);
    const newestCovering = Math.max(...covering.values());
    const checkpoints: BundleCheckpoint[] = [];
    for (const [i, size] of sizes.entries()) {
      const note = notes.get(size) as string;
      const header = parseBlockHeader(note);
      governanceUpTo = Math.max(governanceUpTo, header.governance.seq);
      const previous = sizes[i - 1];
      const everyOne = options.cosignatures === 'all' || i === sizes.length - 1 || size === newestCovering;
      checkpoints.push({
        note: withCosignatures(
          note,
          await source.cosignatures(org, header.text),
          everyOne ? MAX_NOTE_LINES : 1,
        ),
        consistency: previous === undefined ? [] : await source.consistencyProof(org, previous, size),
      });
    }
    const proven = await Promise.all(
      entries.map(async (e) => {
        const size = covering.get(e.index) as number;
        return {
          index: e.index,
          envelope: e.envelope,
          size,
          proof: await source.inclusionProof(org, e.index, size),
        };
      }),
    );
    logs.push({ org, checkpoints, entries: proven });
    done += entries.length;
    progress({ phase: 'entries', done, total: needed.size });
  }

  const blobs: BundleAttachment[] = [];
  if (options.attachments === true && source.attachment !== undefined) {
    let budget = options.maxAttachmentBytes ?? 64 * 1024 * 1024;
    for (const sha256 of attachments.values()) {
      const data = await source.attachment(sha256);
      if (data === undefined || data.length > budget) continue;
      budget -= data.length;
      blobs.push({ sha256, data });
    }
  }
  return buildBundle({
    object,
    genesis,
    governance: await source.governance(governanceUpTo),
    logs,
    attachments: blobs,
  });
}
