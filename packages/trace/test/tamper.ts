/**
 * Alterations of a bundle for the tamper matrix: each returns a copy with one part changed the way
 * an attacker (or a corrupted disk) would change it, leaving every other byte as it was.
 */
import {
  decodeEnvelope,
  encodeEnvelope,
  entryId,
  equalBytes,
  formatSignedNote,
  type NoteSignature,
  parseSignedNote,
} from '@liuhen/core';
import type { Bundle, BundleEntry, BundleLog } from '../src/index.ts';

export type Mutable<T> = {
  -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? Mutable<U>[] : T[K];
};

export function copy(bundle: Bundle): Mutable<Bundle> {
  return structuredClone(bundle) as Mutable<Bundle>;
}

/** Flips the low bit of one byte. */
export function flip(bytes: Uint8Array, at: number): Uint8Array {
  const out = bytes.slice();
  const i = at < 0 ? out.length + at : at;
  out[i] = (out[i] as number) ^ 0x01;
  return out;
}

/** Where an entry (by id) sits in the bundle. */
export function locate(
  bundle: Bundle,
  id: Uint8Array,
): { log: number; position: number; entry: BundleEntry } {
  for (const [log, l] of bundle.logs.entries()) {
    for (const [position, e] of l.entries.entries()) {
      if (equalBytes(entryId(decodeEnvelope(e.envelope).entryBytes), id)) return { log, position, entry: e };
    }
  }
  throw new Error('entry not in the bundle');
}

export function logOf(bundle: Bundle, org: string): { index: number; log: BundleLog } {
  const index = bundle.logs.findIndex((l) => l.org === org);
  if (index < 0) throw new Error(`no log of ${org}`);
  return { index, log: bundle.logs[index] as BundleLog };
}

export function withEntry(bundle: Bundle, id: Uint8Array, change: (e: Mutable<BundleEntry>) => void): Bundle {
  const out = copy(bundle);
  const { log, position } = locate(bundle, id);
  change(out.logs[log]?.entries[position] as Mutable<BundleEntry>);
  return out;
}

/** Changes the entry bytes inside an envelope, keeping its signature. */
export function alterEntryBytes(
  envelope: Uint8Array,
  change: (entryBytes: Uint8Array) => Uint8Array,
): Uint8Array {
  const { entryBytes, signature } = decodeEnvelope(envelope);
  return encodeEnvelope(change(entryBytes), signature);
}

/** Replaces text inside the entry bytes (same length, so the CBOR stays well formed). */
export function replaceText(entryBytes: Uint8Array, from: string, to: string): Uint8Array {
  const a = new TextEncoder().encode(from);
  const b = new TextEncoder().encode(to);
  for (let i = 0; i + a.length <= entryBytes.length; i++) {
    if (a.every((x, j) => entryBytes[i + j] === x)) {
      const out = entryBytes.slice();
      out.set(b, i);
      return out;
    }
  }
  throw new Error(`"${from}" not in the entry`);
}

/** Rewrites the signature lines of one checkpoint note. */
export function withNoteLines(
  bundle: Bundle,
  org: string,
  position: number,
  change: (lines: NoteSignature[]) => NoteSignature[],
): Bundle {
  const out = copy(bundle);
  const { index } = logOf(bundle, org);
  const checkpoint = out.logs[index]?.checkpoints[position] as { note: string };
  const note = parseSignedNote(checkpoint.note);
  checkpoint.note = formatSignedNote({ text: note.text, signatures: change([...note.signatures]) });
  return out;
}
