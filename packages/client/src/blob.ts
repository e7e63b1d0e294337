/**
 * Attachment bytes on their way to the node. Whatever the source, the client hashes the bytes it
 * sends as they pass, in constant memory, and later compares with the hash the node answers: the
 * attachment an entry records is the one the client computed, never one it was told.
 */
import { sha256 } from '@noble/hashes/sha2.js';

/** What `uploadBlob` accepts: bytes, a Blob or File, a web stream, or any async iterable of bytes. */
export type BlobSource = Uint8Array | Blob | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;

export interface HashedBody {
  /** What fetch sends. */
  readonly body: Uint8Array | Blob | ReadableStream<Uint8Array>;
  /** True when the body is a stream, which fetch sends only with `duplex: 'half'`. */
  readonly streamed: boolean;
  /** The SHA-256 and size of what was sent; final once fetch has consumed the body. */
  readonly digest: () => Promise<{ sha256: Uint8Array; size: number }>;
}

function isBlob(value: unknown): value is Blob {
  return typeof Blob !== 'undefined' && value instanceof Blob;
}

function isReadableStream(value: unknown): value is ReadableStream<Uint8Array> {
  return typeof (value as ReadableStream | null)?.getReader === 'function';
}

function streamOf(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel(reason) {
      await iterator.return?.(reason);
    },
  });
}

async function hashBlob(blob: Blob): Promise<{ sha256: Uint8Array; size: number }> {
  const hash = sha256.create();
  const reader = blob.stream().getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    hash.update(value);
  }
  return { sha256: hash.digest(), size: blob.size };
}

export function hashedBody(source: BlobSource): HashedBody {
  if (source instanceof Uint8Array) {
    return {
      body: source,
      streamed: false,
      digest: async () => ({ sha256: sha256(source), size: source.length }),
    };
  }
  if (isBlob(source)) {
    // A Blob (a File in a browser) is sent as itself: browsers stream it from disk, and they do
    // not stream request bodies given as web streams over HTTP/1.1. Hashing reads it a second time,
    // still chunk by chunk.
    return { body: source, streamed: false, digest: () => hashBlob(source) };
  }
  const input = isReadableStream(source) ? source : streamOf(source);
  const hash = sha256.create();
  let size = 0;
  let finished: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const tap = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      hash.update(chunk);
      size += chunk.length;
      controller.enqueue(chunk);
    },
    flush() {
      finished();
    },
  });
  return {
    body: input.pipeThrough(tap),
    streamed: true,
    digest: async () => {
      await done;
      return { sha256: hash.digest(), size };
    },
  };
}
