/**
 * Frames over one libp2p stream: length-prefixed (`lpStream` from @libp2p/utils, unsigned varint
 * length) messages whose first byte is the frame type.
 *
 *   DATA  0x00 ‖ payload      one unit of request or response
 *   END   0x01                the response is complete (lpStream.read throws on a clean EOF, so
 *                             the end of a response is never inferred from the stream closing)
 *   ERROR 0x02 ‖ code LF text the responder gave up; code is a NetErrorCode or the app's own
 *
 * Bounded memory in both directions:
 * - reading: frames above `maxFrameBytes` are refused from their length prefix alone; the reader
 *   pauses the stream when more than `highWaterBytes` are buffered but unread (yamux then stops
 *   granting window and the sender blocks) and resumes below half of it;
 * - writing: after each frame the writer waits until at most `WRITE_HIGH_WATER_BYTES` of the
 *   stream's data are still unsent (held in its write buffer because the muxer has no window), so
 *   a responder produces its next frame only when the reader has taken the previous ones, and a
 *   stalled reader costs the writer at most that mark plus one frame.
 */
import type { Stream } from '@libp2p/interface';
import { type LengthPrefixedStream, lpStream } from '@libp2p/utils';
import { NET_ERROR_CODES, NetError, type NetErrorCode } from './errors.ts';

export const FRAME_DATA = 0x00;
export const FRAME_END = 0x01;
export const FRAME_ERROR = 0x02;

/** The default and the hard ceiling for `maxFrameBytes`. */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;
export const MAX_FRAME_BYTES_LIMIT = 16 * 1024 * 1024;
/**
 * The yamux receive window cap `createHost` configures. Data in flight when a reader pauses is at
 * most one window, so it bounds what piles up in the stream's own read buffer (4 MiB limit).
 */
export const STREAM_WINDOW_BYTES = 2 * 1024 * 1024;
/**
 * Unsent bytes a writer leaves in a stream's write buffer before it waits for the muxer to take
 * them. What a stalled reader pins in the writer is this plus the frame being written.
 */
export const WRITE_HIGH_WATER_BYTES = 256 * 1024;
const MAX_ERROR_TEXT = 512;

export type Frame =
  | { readonly type: 'data'; readonly payload: Uint8Array }
  | { readonly type: 'end' }
  | { readonly type: 'error'; readonly code: string; readonly message: string };

function varintLength(value: number): number {
  let length = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 0x80)) length++;
  return length;
}

function encodeVarint(value: number): Uint8Array {
  const out = new Uint8Array(varintLength(value));
  let v = value;
  for (let i = 0; i < out.length; i++) {
    out[i] = i === out.length - 1 ? v : (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  return out;
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : '';
}

export class FrameStream {
  readonly stream: Stream;
  readonly maxFrameBytes: number;
  readonly #lp: LengthPrefixedStream<Stream>;
  readonly #highWater: number;
  #buffered = 0;
  #resuming = false;

  constructor(stream: Stream, maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES) {
    if (!Number.isSafeInteger(maxFrameBytes) || maxFrameBytes < 1 || maxFrameBytes > MAX_FRAME_BYTES_LIMIT)
      throw new RangeError(`maxFrameBytes must be 1..${MAX_FRAME_BYTES_LIMIT}`);
    this.stream = stream;
    this.maxFrameBytes = maxFrameBytes;
    // Room for two whole frames before pausing, never less than 1 MiB.
    this.#highWater = Math.max(1024 * 1024, 2 * (maxFrameBytes + 16));
    // The type byte is inside the length-prefixed message.
    this.#lp = lpStream(stream, {
      maxDataLength: maxFrameBytes + 1,
      maxBufferSize: this.#highWater + STREAM_WINDOW_BYTES + maxFrameBytes + 64 * 1024,
    });
    // Counts what arrives (after the lpStream's own listener has buffered it).
    stream.addEventListener('message', (evt) => {
      this.#buffered += evt.data.byteLength;
      if (!this.#resuming && this.#buffered >= this.#highWater && stream.readStatus === 'readable')
        stream.pause();
    });
  }

  /** The next frame. Throws NetError: FRAME_TOO_LARGE, FRAME_MALFORMED, STREAM_FAILED, TIMEOUT. */
  async read(signal?: AbortSignal): Promise<Frame> {
    let message: Uint8Array;
    try {
      const list = await this.#lp.read(signal === undefined ? {} : { signal });
      message = list.subarray();
    } catch (err) {
      throw this.#readFailure(err, signal);
    }
    this.#buffered -= varintLength(message.byteLength) + message.byteLength;
    if (this.#buffered < this.#highWater / 2 && this.stream.readStatus === 'paused') this.#resume();
    const type = message[0];
    if (type === FRAME_DATA) return { type: 'data', payload: message.subarray(1) };
    if (type === FRAME_END && message.byteLength === 1) return { type: 'end' };
    if (type === FRAME_ERROR) {
      const text = new TextDecoder().decode(message.subarray(1));
      const cut = text.indexOf('\n');
      return cut < 0
        ? { type: 'error', code: text, message: '' }
        : { type: 'error', code: text.slice(0, cut), message: text.slice(cut + 1) };
    }
    throw new NetError('NET_FRAME_MALFORMED', `frame type ${type ?? 'missing'}`);
  }

  /**
   * `stream.resume()` first hands over what arrived while paused and only then tells the muxer to
   * grant window again. Pausing from inside that hand-over would be undone by the grant that
   * follows (yamux keeps granting while the stream believes it is paused, and the stream aborts
   * past its 4 MiB read buffer), so the high-water check runs once the resume is complete.
   */
  #resume(): void {
    this.#resuming = true;
    try {
      this.stream.resume();
    } finally {
      this.#resuming = false;
    }
    if (this.#buffered >= this.#highWater && this.stream.readStatus === 'readable') this.stream.pause();
  }

  #readFailure(err: unknown, signal: AbortSignal | undefined): Error {
    if (signal?.aborted === true) return timeoutOrAbort(signal);
    const name = errorName(err);
    if (name === 'InvalidDataLengthError' || name === 'InvalidDataLengthLengthError')
      return new NetError('NET_FRAME_TOO_LARGE', `limit ${this.maxFrameBytes} bytes`, { cause: err });
    if (name === 'InvalidMessageLengthError')
      return new NetError('NET_FRAME_MALFORMED', undefined, { cause: err });
    return new NetError('NET_STREAM_FAILED', name || undefined, { cause: err });
  }

  writeData(payload: Uint8Array, signal?: AbortSignal): Promise<void> {
    if (payload.byteLength > this.maxFrameBytes)
      return Promise.reject(
        new NetError('NET_FRAME_TOO_LARGE', `${payload.byteLength} > ${this.maxFrameBytes} bytes`),
      );
    return this.#write(FRAME_DATA, payload, signal);
  }

  writeEnd(signal?: AbortSignal): Promise<void> {
    return this.#write(FRAME_END, new Uint8Array(0), signal);
  }

  writeError(code: string, message: string, signal?: AbortSignal): Promise<void> {
    const text = new TextEncoder().encode(`${code}\n${message}`).subarray(0, MAX_ERROR_TEXT);
    return this.#write(FRAME_ERROR, text, signal);
  }

  async #write(type: number, payload: Uint8Array, signal: AbortSignal | undefined): Promise<void> {
    if (this.stream.writeStatus !== 'writable')
      throw new NetError('NET_STREAM_FAILED', `the stream is ${this.stream.writeStatus} for writing`);
    this.stream.send(new Uint8Array([...encodeVarint(payload.byteLength + 1), type]));
    if (payload.byteLength > 0) this.stream.send(payload);
    await this.#unsentBelowHighWater(signal);
  }

  /**
   * Not `stream.onDrain()`: in @libp2p/utils 7.4 its promise is created once and, resolved by the
   * first 'drain', stays resolved, so every later wait returns at once and the write buffer takes
   * whole responses (test/back-pressure.test.ts: a stalled 16 MiB response went in whole). And
   * 'drain' fires on every window update and every muxer drain, however little it lets through.
   * So the writer watches the write buffer itself, re-checking after each event that may have
   * moved it.
   */
  async #unsentBelowHighWater(signal: AbortSignal | undefined): Promise<void> {
    const stream = this.stream;
    while (stream.writeBufferLength > WRITE_HIGH_WATER_BYTES) {
      if (stream.writeStatus !== 'writable')
        throw new NetError('NET_STREAM_FAILED', `the stream is ${stream.writeStatus} for writing`);
      await writeProgress(stream, signal);
    }
  }
}

/**
 * Resolves after the stream's next 'drain', 'idle' or 'close', once the stream's own reaction to it
 * (sending what the new window allows, queued as a microtask) has run; rejects when `signal` aborts.
 */
function writeProgress(stream: Stream, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted === true) return Promise.reject(timeoutOrAbort(signal));
  return new Promise((resolve, reject) => {
    const events = ['drain', 'idle', 'close'] as const;
    const settle = (outcome: () => void) => {
      for (const type of events) stream.removeEventListener(type, onEvent);
      signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    const onEvent = () => settle(() => setImmediate(resolve));
    const onAbort = () => settle(() => reject(timeoutOrAbort(signal as AbortSignal)));
    for (const type of events) stream.addEventListener(type, onEvent);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A deadline signal (AbortSignal.timeout) surfaces as NET_TIMEOUT, a caller's abort as itself. */
export function timeoutOrAbort(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'TimeoutError')
    return new NetError('NET_TIMEOUT', undefined, { cause: reason });
  if (reason instanceof Error) return reason;
  return new NetError('NET_TIMEOUT');
}

export function isNetErrorCode(code: string): code is NetErrorCode {
  return Object.hasOwn(NET_ERROR_CODES, code);
}
