/**
 * Attachments of replicated entries (DESIGN §5, the blob protocol): the node's `BlobStore` served
 * to peers and filled from them by `@liuhen/net`'s `BlobService`.
 *
 * Policy (docs/operations.md, "Attachments"):
 * - **Prefetch**: every attachment an accepted replica block references, not held yet and within
 *   `maxBlobBytes`, is queued for a background fetch: from the node of the org whose log holds
 *   the entry first (it accepted the upload), then every other connected peer. Background fetches
 *   wait while a sync runs (catching up comes first). The queue is bounded; what does not fit, or
 *   what no peer holds yet, is left to the next case.
 * - **On demand**: `GET /v1/blobs/{sha256}` that misses locally asks the connected peers (highest
 *   score first) before answering 404.
 *
 * Every fetch streams into the BlobStore's temporary file, is hashed as it is written, and is
 * renamed into place only if its SHA-256 is the one asked for; a peer that sends other bytes is
 * penalised and the next one asked.
 */
import { isLiuhenError, toHex } from '@liuhen/core';
import {
  BlobService,
  type BlobSink,
  type BlobSource,
  type Host,
  isNetError,
  NetError,
  nodeKeyOfPeer,
  type PeerId,
} from '@liuhen/net';
import type { BlobStore } from '@liuhen/store';
import type { Logger } from 'pino';

/** How long an on-demand fetch may take in all, ms. */
export const BLOB_FETCH_DEADLINE_MS = 60_000;

export function blobSource(blobs: BlobStore): BlobSource {
  return {
    async read(sha256) {
      return (await blobs.has(sha256)) ? blobs.get(sha256) : undefined;
    },
  };
}

export function blobSink(blobs: BlobStore): BlobSink {
  return {
    has: (sha256) => blobs.has(sha256),
    async write(sha256, chunks, maxBytes) {
      try {
        await blobs.put(chunks, { maxBytes, expectedSha256: sha256 });
      } catch (error) {
        if (isLiuhenError(error, 'BLOB_HASH_MISMATCH'))
          throw new NetError('NET_BLOB_INVALID', error.message, { cause: error });
        if (isLiuhenError(error, 'BLOB_TOO_LARGE'))
          throw new NetError('NET_BLOB_TOO_LARGE', error.message, { cause: error });
        throw error;
      }
    },
  };
}

export interface ReplicaBlobs {
  readonly service: BlobService;
  /** Queues the attachments of an accepted block of `org` for a background fetch. */
  prefetch(org: string, attachments: ReadonlyArray<{ sha256: Uint8Array; size: number }>): void;
  /**
   * Fetches a blob from the connected peers now; true once it is held. Gives up at `signal`
   * (default: after BLOB_FETCH_DEADLINE_MS).
   */
  fetch(sha256: Uint8Array, signal?: AbortSignal): Promise<boolean>;
  stop(): Promise<void>;
}

export async function startReplicaBlobs(options: {
  host: Host;
  blobs: BlobStore;
  maxBlobBytes: number;
  /** Each org's current node key. */
  orgKeys: ReadonlyMap<string, Uint8Array>;
  /** True while the node is catching up some org's log: background fetches wait for it. */
  syncing: () => boolean;
  logger: Logger;
}): Promise<ReplicaBlobs> {
  const { host, logger } = options;
  const lastLogged = new Map<string, number>();
  const service = new BlobService({
    host,
    source: blobSource(options.blobs),
    sink: blobSink(options.blobs),
    maxBlobBytes: options.maxBlobBytes,
    deferBackground: options.syncing,
    onMisbehaviour: (peer, error) => {
      host.penalise(peer);
      const id = peer.toString();
      if (Date.now() - (lastLogged.get(id) ?? 0) < 10_000) return;
      lastLogged.set(id, Date.now());
      logger.warn({ peer: id, code: error.code, detail: error.detail }, 'peer misbehaved: penalised');
    },
  });
  service.addEventListener('fetched', (evt) => {
    const { detail } = evt as CustomEvent<{ sha256: string; peer: string; bytes: number }>;
    logger.debug({ sha256: detail.sha256, peer: detail.peer, bytes: detail.bytes }, 'blob fetched');
  });
  service.addEventListener('missing', (evt) => {
    const { detail } = evt as CustomEvent<{ sha256: string; tried: number }>;
    logger.debug({ sha256: detail.sha256, tried: detail.tried }, 'blob not found at any peer');
  });
  await service.start();

  /** Connected peers, highest score first; `first` (an org node key), if connected, before all. */
  const peers = (first?: Uint8Array): PeerId[] => {
    const connected = host.node.getPeers();
    const score = new Map(connected.map((p) => [p.toString(), host.peerScore(p)]));
    const isFirst = (p: PeerId) => {
      if (first === undefined) return false;
      const key = nodeKeyOfPeer(p);
      return key !== undefined && toHex(key) === toHex(first);
    };
    return [...connected].sort(
      (a, b) =>
        Number(isFirst(b)) - Number(isFirst(a)) ||
        (score.get(b.toString()) ?? 0) - (score.get(a.toString()) ?? 0),
    );
  };

  return {
    service,
    prefetch(org, attachments) {
      for (const attachment of attachments) {
        if (attachment.size > options.maxBlobBytes) continue;
        service.enqueue(attachment.sha256, () => peers(options.orgKeys.get(org)));
      }
    },
    async fetch(sha256, signal) {
      try {
        return await service.fetch(sha256, peers(), signal ?? AbortSignal.timeout(BLOB_FETCH_DEADLINE_MS));
      } catch (error) {
        // This node's own storage failing: not found, as far as the caller can tell.
        if (isNetError(error) || isLiuhenError(error)) return false;
        throw error;
      }
    },
    stop: () => service.stop(),
  };
}
