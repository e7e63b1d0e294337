/**
 * A bundle as a trace source, so that whatever takes a source — assembly of a narrower bundle,
 * the web inspector — takes a bundle file too. It answers literally from the bundle's parts and
 * checks nothing: a proof or checkpoint it lacks is SOURCE_INCOMPLETE, and what it returns is
 * judged by verification like evidence from anywhere else.
 */
import {
  decodeEntry,
  decodeEnvelope,
  type Entry,
  entryId,
  equalBytes,
  formatSignedNote,
  type NoteSignature,
  parseCheckpoint,
  parseSignedNote,
  type SignedNote,
} from '@liuhen/core';
import { OPERATOR_APPOINTED, OPERATOR_REVOKED } from '@liuhen/governance';
import type { Bundle, BundleLog } from './bundle.ts';
import { TraceError } from './errors.ts';
import type { LocatedEnvelope, TraceSource } from './source.ts';

interface Decoded extends LocatedEnvelope {
  readonly id: Uint8Array | undefined;
  readonly entry: Entry | undefined;
}

function decode(org: string, index: number, envelope: Uint8Array): Decoded {
  try {
    const { entryBytes } = decodeEnvelope(envelope, 1 << 20);
    return {
      org,
      index,
      envelope,
      id: entryId(entryBytes),
      entry: decodeEntry(entryBytes, { maxBytes: 1 << 20 }),
    };
  } catch {
    return { org, index, envelope, id: undefined, entry: undefined };
  }
}

interface ParsedCheckpoint {
  readonly size: number;
  readonly note: SignedNote;
  readonly origin: string;
}

/** Positions stay aligned with the bundle's list; a note that does not parse is a hole. */
function parse(log: BundleLog): (ParsedCheckpoint | undefined)[] {
  return log.checkpoints.map((c) => {
    try {
      const note = parseSignedNote(c.note);
      const checkpoint = parseCheckpoint(note.text);
      return { size: checkpoint.size, note, origin: checkpoint.origin };
    } catch {
      return undefined;
    }
  });
}

function incomplete(detail: string): never {
  throw new TraceError('SOURCE_INCOMPLETE', detail);
}

export function bundleSource(bundle: Bundle): TraceSource {
  const entries = bundle.logs.flatMap((log) => log.entries.map((e) => decode(log.org, e.index, e.envelope)));
  const checkpoints = new Map(bundle.logs.map((log) => [log.org, parse(log)]));
  const logOf = (org: string) => bundle.logs.find((l) => l.org === org);
  const orgNote = (c: ParsedCheckpoint) =>
    formatSignedNote({ text: c.note.text, signatures: c.note.signatures.filter((s) => s.name === c.origin) });
  const located = ({ org, index, envelope }: Decoded): LocatedEnvelope => ({ org, index, envelope });

  return {
    genesis: async () => bundle.genesis,
    governance: async (upTo) => {
      if (upTo > bundle.governance.length)
        incomplete(`the bundle holds ${bundle.governance.length} governance actions`);
      return bundle.governance.slice(0, upTo);
    },
    objectEntries: async (object) => entries.filter((e) => e.entry?.object === object).map(located),
    entry: async (id) => {
      const found = entries.find((e) => e.id !== undefined && equalBytes(e.id, id));
      return found === undefined ? undefined : located(found);
    },
    operatorRecords: async (org, below) =>
      entries
        .filter(
          (e) =>
            e.org === org &&
            e.index < below &&
            (e.entry?.kind === OPERATOR_APPOINTED || e.entry?.kind === OPERATOR_REVOKED),
        )
        .map(located),
    headerCovering: async (org, index) => {
      const found = checkpoints.get(org)?.find((c) => c !== undefined && c.size > index);
      return found === undefined ? undefined : orgNote(found);
    },
    latestHeader: async (org) => {
      const found = checkpoints.get(org)?.findLast((c) => c !== undefined);
      return found === undefined ? undefined : orgNote(found);
    },
    inclusionProof: async (org, index, size) => {
      const log = logOf(org);
      const entry = log?.entries.find((e) => e.index === index);
      if (
        log === undefined ||
        entry === undefined ||
        checkpoints.get(org)?.[entry.checkpoint]?.size !== size
      ) {
        incomplete(`no inclusion proof of entry ${index} of "${org}" at size ${size}`);
      }
      return entry.proof;
    },
    consistencyProof: async (org, size1, size2) => {
      const list = checkpoints.get(org) ?? [];
      const i = list.findIndex((c) => c?.size === size2);
      if (i < 1 || list[i - 1]?.size !== size1)
        incomplete(`no consistency proof of "${org}" from ${size1} to ${size2}`);
      return logOf(org)?.checkpoints[i]?.consistency ?? [];
    },
    cosignatures: async (org, text): Promise<readonly NoteSignature[]> => {
      const found = checkpoints.get(org)?.find((c) => c?.note.text === text);
      return found === undefined ? [] : found.note.signatures.filter((s) => s.name !== found.origin);
    },
    attachment: async (sha256) => bundle.attachments.find((a) => equalBytes(a.sha256, sha256))?.data,
  };
}
