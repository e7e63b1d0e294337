/**
 * The node's store as a trace source (packages/trace's `TraceSource`), so `assembleBundle` builds
 * an object's offline bundle from what the node holds: its own log and the replicas, the
 * governance actions, the cosignatures it collected and, on request, the attachments. Every
 * method is one index, Merkle or log read the store already has.
 */
import { formatSignedNote, type NoteSignature } from '@liuhen/core';
import { encodeGenesis } from '@liuhen/governance';
import type { BlobStore } from '@liuhen/store';
import type { LocatedEnvelope, TraceSource } from '@liuhen/trace';
import type { LedgerNode } from './ledger-node.ts';
import type { Replication } from './replication.ts';

const OPERATOR_KINDS = ['org.operator-appointed', 'org.operator-revoked'];
/** Blocks after an entry's own searched for the first cosigned checkpoint. */
const WITNESS_LOOKAHEAD = 256;

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of stream) {
    chunks.push(chunk);
    length += chunk.length;
  }
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

export function nodeTraceSource(options: {
  node: LedgerNode;
  blobs: BlobStore;
  replication?: Replication | undefined;
}): TraceSource {
  const { node, blobs, replication } = options;
  const store = node.store;
  const located = (at: { org: string; index: number; envelope: Uint8Array }): LocatedEnvelope => ({
    org: at.org,
    index: at.index,
    envelope: at.envelope,
  });
  return {
    // decodeGenesis accepts only canonical bytes, so re-encoding gives back the genesis bytes.
    genesis: async () => encodeGenesis(node.genesis),
    governance: async (upTo) => (upTo === 0 ? [] : store.governanceActions(1, upTo)),
    objectEntries: async (object) => (await store.objectEntries(object)).map(located),
    entry: async (id) => {
      const at = await store.locate(id);
      const envelope = at && (await store.envelope(at.org, at.index));
      return at && envelope ? { ...at, envelope } : undefined;
    },
    operatorRecords: async (org, below) => {
      const records: LocatedEnvelope[] = [];
      for (const kind of OPERATOR_KINDS) {
        for (const e of await store.byKind(kind))
          if (e.org === org && e.index < below) records.push(located(e));
      }
      return records.sort((a, b) => a.index - b.index);
    },
    headerCovering: async (org, index) => {
      const own = await store.headerCovering(org, index);
      if (own === undefined || replication === undefined) return own && formatSignedNote(own.note);
      // Witnesses cosign an org's latest checkpoint about once a second (protocol §12.8), so the
      // entry's own block may have no cosignature: its first-witnessed evidence is the first
      // cosigned checkpoint after it, which proves inclusion just as well.
      for (let height = own.height; height < own.height + WITNESS_LOOKAHEAD; height++) {
        const header = height === own.height ? own : await store.header(org, height);
        if (header === undefined) break;
        if ((await replication.store.cosignaturesOf(org, header.text)).length > 0)
          return formatSignedNote(header.note);
      }
      return formatSignedNote(own.note);
    },
    latestHeader: async (org) => {
      const head = await store.logHead(org);
      return head && formatSignedNote(head.header.note);
    },
    inclusionProof: (org, index, size) => store.inclusionProof(org, index, size),
    consistencyProof: (org, size1, size2) => store.consistencyProof(org, size1, size2),
    cosignatures: async (org, text): Promise<NoteSignature[]> =>
      replication === undefined
        ? []
        : (await replication.store.cosignaturesOf(org, text)).map((c) => c.signature),
    attachment: async (sha256) => ((await blobs.has(sha256)) ? collect(blobs.get(sha256)) : undefined),
  };
}
