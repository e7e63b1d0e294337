/**
 * The blob protocol (DESIGN §5; docs/protocol.md §12.6): attachments by SHA-256 over
 * request/response frames. The request names one hash; the response is the blob's bytes as
 * consecutive DATA frames of at most `MAX_BLOB_CHUNK_BYTES`, then END, or ERROR
 * NET_BLOB_NOT_FOUND. Nothing in the response is believed: the requester streams it into its
 * sink, which hashes as it writes and keeps the blob only if the hash is the one asked for.
 *
 * Memory does not depend on the blob's size on either side: the responder reads the stored file
 * as the stream drains, the requester writes each frame to the sink before reading the next
 * (FrameStream pauses the stream in between).
 *
 * `BlobService` serves the protocol and fetches: `fetch(hash, peers)` asks the peers in turn until
 * one delivers the right bytes (a peer that sends other bytes is penalised, and the next one is
 * asked); `enqueue` queues a background fetch, bounded, for attachments of replicated entries.
 */
import type { PeerId } from '@libp2p/interface';
import { decodeCanonical, encodeCanonical, isCborMap, toHex } from '@liuhen/core';
import { isNetError, NetError } from '../errors.ts';
import { type RequestContext, request, serveRequests } from '../frames.ts';
import type { Host } from '../host.ts';

export const BLOB_PROTOCOL = '/liuhen/blob/1';
/** Largest DATA payload of a blob response (the frame limit of the protocol is 1 MiB). */
export const MAX_BLOB_CHUNK_BYTES = 256 * 1024;
/** The frame limit of the blob protocol. */
export const MAX_BLOB_FRAME_BYTES = 1024 * 1024;
/** Largest blob request. */
export const MAX_BLOB_REQUEST_BYTES = 128;

/** Blob request: `{ "type": "blob-request", "sha256": bstr(32) }`. */
export function encodeBlobRequest(sha256: Uint8Array): Uint8Array {
  if (!(sha256 instanceof Uint8Array) || sha256.byteLength !== 32)
    throw new NetError('NET_MESSAGE_MALFORMED', 'a blob is named by a 32-byte SHA-256');
  return encodeCanonical({ type: 'blob-request', sha256 });
}

export function decodeBlobRequest(bytes: Uint8Array): Uint8Array {
  const malformed = (detail: string, cause?: unknown): never => {
    throw new NetError(
      'NET_MESSAGE_MALFORMED',
      `blob-request: ${detail}`,
      cause === undefined ? {} : { cause },
    );
  };
  if (bytes.byteLength > MAX_BLOB_REQUEST_BYTES) malformed(`above ${MAX_BLOB_REQUEST_BYTES} bytes`);
  let value: ReturnType<typeof decodeCanonical>;
  try {
    value = decodeCanonical(bytes, { maxBytes: MAX_BLOB_REQUEST_BYTES, maxDepth: 1 });
  } catch (cause) {
    return malformed((cause as Error).message, cause);
  }
  if (!isCborMap(value)) return malformed('not a map');
  const keys = Object.keys(value).sort();
  if (keys.length !== 2 || keys[0] !== 'sha256' || keys[1] !== 'type')
    malformed('expected the keys sha256, type');
  if (value.type !== 'blob-request') malformed(`expected a blob-request, got ${String(value.type)}`);
  const sha256 = value.sha256;
  if (!(sha256 instanceof Uint8Array) || sha256.byteLength !== 32) return malformed('sha256 is not 32 bytes');
  return sha256;
}

/** Where served blobs come from. */
export interface BlobSource {
  /**
   * The blob's bytes in order, or undefined when it is not held. The stream may fail (at its end,
   * say, when the stored copy no longer matches its hash): the requester then discards it.
   */
  read(sha256: Uint8Array): Promise<AsyncIterable<Uint8Array> | undefined>;
}

/** Where fetched blobs go. */
export interface BlobSink {
  has(sha256: Uint8Array): Promise<boolean>;
  /**
   * Stores the bytes `chunks` yields, pulling one chunk at a time (memory independent of the
   * blob's size), only if they hash to `sha256`, atomically and durably. Throws NetError
   * NET_BLOB_INVALID for other bytes and NET_BLOB_TOO_LARGE past `maxBytes` (nothing stored), or
   * whatever `chunks` throws.
   */
  write(sha256: Uint8Array, chunks: AsyncIterable<Uint8Array>, maxBytes: number): Promise<void>;
}

export interface BlobServiceOptions {
  readonly host: Host;
  readonly source: BlobSource;
  readonly sink: BlobSink;
  /** Largest blob fetched (the node's `maxBlobBytes`). */
  readonly maxBlobBytes: number;
  /** Idle limit of one blob exchange, ms (default 30 000). */
  readonly timeoutMs?: number;
  /** Blob requests answered at once (default 4: each holds a file open). */
  readonly maxInFlight?: number;
  /** Background fetches at once (default 2). */
  readonly maxConcurrentFetches?: number;
  /** Background fetches queued at most; more are dropped, to be fetched on demand (default 10 000). */
  readonly maxQueued?: number;
  /** A peer sent a malformed request or bytes that are not the blob it was asked for. */
  readonly onMisbehaviour?: (peer: PeerId, error: NetError) => void;
  /**
   * While this returns true, background fetches wait (checked every second): e.g. while the node
   * catches up, so the blob traffic does not slow its sync down. On-demand `fetch` never waits.
   */
  readonly deferBackground?: () => boolean;
}

export interface BlobServiceEventMap {
  /** A blob was fetched, verified and stored. */
  fetched: CustomEvent<{ sha256: string; peer: string; bytes: number }>;
  /** No peer asked delivered it (absent, unreachable, or lying). */
  missing: CustomEvent<{ sha256: string; tried: number }>;
  /** A background fetch was dropped because the queue was full. */
  dropped: CustomEvent<{ sha256: string }>;
  /**
   * A peer sent a malformed request or bytes that are not the blob asked for (`onMisbehaviour`
   * was called): `code` is the reason, for the node's peer-fault metrics.
   */
  misbehaviour: CustomEvent<{ peer: string; code: string; detail: string }>;
}

/** Codes that, detected on this side, blame the peer that sent the response. */
const PEER_FAULTS = new Set<string>([
  'NET_BLOB_INVALID',
  'NET_FRAME_TOO_LARGE',
  'NET_FRAME_MALFORMED',
  'NET_MESSAGE_MALFORMED',
]);

interface Queued {
  readonly sha256: Uint8Array;
  readonly peers: () => PeerId[];
}

export class BlobService extends EventTarget {
  readonly #host: Host;
  readonly #source: BlobSource;
  readonly #sink: BlobSink;
  readonly #maxBlobBytes: number;
  readonly #timeoutMs: number;
  readonly #maxInFlight: number;
  readonly #maxConcurrent: number;
  readonly #maxQueued: number;
  readonly #onMisbehaviour: BlobServiceOptions['onMisbehaviour'];
  readonly #deferBackground: () => boolean;
  #deferred: ReturnType<typeof setTimeout> | undefined;
  /** hash hex → the fetch running for it: concurrent asks share one. */
  readonly #fetching = new Map<string, Promise<boolean>>();
  readonly #queue: Queued[] = [];
  readonly #queued = new Set<string>();
  readonly #stopping = new AbortController();
  #running = 0;
  #started = false;

  constructor(options: BlobServiceOptions) {
    super();
    this.#host = options.host;
    this.#source = options.source;
    this.#sink = options.sink;
    this.#maxBlobBytes = options.maxBlobBytes;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#maxInFlight = options.maxInFlight ?? 4;
    this.#maxConcurrent = options.maxConcurrentFetches ?? 2;
    this.#maxQueued = options.maxQueued ?? 10_000;
    this.#onMisbehaviour = options.onMisbehaviour;
    this.#deferBackground = options.deferBackground ?? (() => false);
  }

  async start(): Promise<void> {
    await serveRequests(this.#host.node, BLOB_PROTOCOL, (body, context) => this.#serve(body, context), {
      maxFrameBytes: MAX_BLOB_FRAME_BYTES,
      timeoutMs: this.#timeoutMs,
      maxInFlight: this.#maxInFlight,
      onMisbehaviour: (peer, error) => this.#misbehaved(peer, error),
    });
    this.#started = true;
  }

  async stop(): Promise<void> {
    this.#stopping.abort(new NetError('NET_STREAM_FAILED', 'blob service stopped'));
    if (this.#deferred !== undefined) clearTimeout(this.#deferred);
    this.#queue.length = 0;
    this.#queued.clear();
    if (this.#started) await this.#host.node.unhandle(BLOB_PROTOCOL).catch(() => undefined);
    await Promise.allSettled([...this.#fetching.values()]);
  }

  #misbehaved(peer: PeerId, error: NetError): void {
    this.#onMisbehaviour?.(peer, error);
    this.dispatchEvent(
      new CustomEvent('misbehaviour', {
        detail: { peer: peer.toString(), code: error.code, detail: error.detail ?? '' },
      }),
    );
  }

  /** Background fetches waiting. */
  get queued(): number {
    return this.#queue.length;
  }

  async *#serve(body: Uint8Array, context: RequestContext): AsyncGenerator<Uint8Array> {
    let sha256: Uint8Array;
    try {
      sha256 = decodeBlobRequest(body);
    } catch (error) {
      if (isNetError(error)) this.#misbehaved(context.peer, error);
      throw error;
    }
    const chunks = await this.#source.read(sha256);
    if (chunks === undefined) throw new NetError('NET_BLOB_NOT_FOUND', toHex(sha256));
    for await (const chunk of chunks) {
      for (let at = 0; at < chunk.byteLength; at += MAX_BLOB_CHUNK_BYTES)
        yield chunk.subarray(at, at + MAX_BLOB_CHUNK_BYTES);
    }
  }

  /**
   * Fetches the blob from `peers`, in order, until one delivers bytes with this hash; resolves
   * true once it is stored (at once if already held), false if no peer delivered it. A peer that
   * sends other bytes is penalised (`onMisbehaviour`) and the next one asked. `signal` abandons it.
   */
  fetch(sha256: Uint8Array, peers: readonly PeerId[], signal?: AbortSignal): Promise<boolean> {
    const hex = toHex(sha256);
    let running = this.#fetching.get(hex);
    if (running === undefined) {
      running = this.#fetchFromAny(sha256, peers, signal).finally(() => this.#fetching.delete(hex));
      this.#fetching.set(hex, running);
    }
    return running;
  }

  /**
   * Queues a background fetch from `peers()` (asked when its turn comes). Returns false when the
   * blob is already queued or the queue is full (then it is fetched on demand, if ever asked for).
   */
  enqueue(sha256: Uint8Array, peers: () => PeerId[]): boolean {
    const hex = toHex(sha256);
    if (this.#queued.has(hex) || this.#stopping.signal.aborted) return false;
    if (this.#queue.length >= this.#maxQueued) {
      this.dispatchEvent(new CustomEvent('dropped', { detail: { sha256: hex } }));
      return false;
    }
    this.#queued.add(hex);
    this.#queue.push({ sha256: sha256.slice(), peers });
    this.#pump();
    return true;
  }

  #pump(): void {
    if (this.#queue.length > 0 && this.#deferBackground()) {
      this.#deferred ??= setTimeout(() => {
        this.#deferred = undefined;
        if (!this.#stopping.signal.aborted) this.#pump();
      }, 1_000);
      this.#deferred.unref?.();
      return;
    }
    while (this.#running < this.#maxConcurrent && this.#queue.length > 0) {
      const next = this.#queue.shift() as Queued;
      this.#running++;
      (async () => {
        try {
          if (!(await this.#sink.has(next.sha256))) await this.fetch(next.sha256, next.peers());
        } catch {
          // Counted as missing by fetch; a storage failure here is retried on demand.
        } finally {
          this.#queued.delete(toHex(next.sha256));
          this.#running--;
          if (!this.#stopping.signal.aborted) this.#pump();
        }
      })();
    }
  }

  async #fetchFromAny(sha256: Uint8Array, peers: readonly PeerId[], signal?: AbortSignal): Promise<boolean> {
    if (await this.#sink.has(sha256)) return true;
    const hex = toHex(sha256);
    const abort =
      signal === undefined ? this.#stopping.signal : AbortSignal.any([signal, this.#stopping.signal]);
    for (const peer of peers) {
      if (abort.aborted) break;
      try {
        const bytes = await this.#fetchFrom(peer, sha256, abort);
        this.dispatchEvent(
          new CustomEvent('fetched', { detail: { sha256: hex, peer: peer.toString(), bytes } }),
        );
        return true;
      } catch (error) {
        if (isNetError(error) && !error.remote && PEER_FAULTS.has(error.code)) this.#misbehaved(peer, error);
        else if (!isNetError(error)) throw error;
      }
    }
    this.dispatchEvent(new CustomEvent('missing', { detail: { sha256: hex, tried: peers.length } }));
    return false;
  }

  /** One peer's answer, streamed into the sink. Returns the blob's size. */
  async #fetchFrom(peer: PeerId, sha256: Uint8Array, signal: AbortSignal): Promise<number> {
    const frames = request(this.#host.node, peer, BLOB_PROTOCOL, encodeBlobRequest(sha256), {
      timeoutMs: this.#timeoutMs,
      maxFrameBytes: MAX_BLOB_FRAME_BYTES,
      signal,
    });
    // The first frame (or the peer's NET_BLOB_NOT_FOUND) before the sink opens a file for it.
    const first = await frames.next();
    let bytes = 0;
    const limit = this.#maxBlobBytes;
    async function* chunks(): AsyncGenerator<Uint8Array> {
      try {
        if (first.done !== true) {
          bytes += first.value.byteLength;
          if (bytes > limit) throw new NetError('NET_BLOB_TOO_LARGE', `more than ${limit} bytes`);
          yield first.value;
        }
        for await (const chunk of frames) {
          bytes += chunk.byteLength;
          if (bytes > limit) throw new NetError('NET_BLOB_TOO_LARGE', `more than ${limit} bytes`);
          yield chunk;
        }
      } finally {
        // Abandoned by the sink: reset the stream rather than leave it open.
        await frames.return();
      }
    }
    try {
      await this.#sink.write(sha256, chunks(), limit);
    } finally {
      // Also when the sink failed before reading at all.
      await frames.return();
    }
    return bytes;
  }
}
