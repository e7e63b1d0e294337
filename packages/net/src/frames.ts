/**
 * Request/response over libp2p streams (the heads, sync and blob protocols of DESIGN §5 sit on
 * this). One stream per request: the requester sends one DATA frame and half-closes; the
 * responder answers with any number of DATA frames and then END (or one ERROR), and half-closes.
 *
 * Limits, all explicit:
 * - `maxFrameBytes` on each side: a larger frame is refused from its length prefix;
 * - `timeoutMs`: an idle limit on each side, surfacing as NET_TIMEOUT. The requester fails when
 *   no frame arrives for that long while it waits for one (time its own consumer spends between
 *   frames does not count); the responder when producing and writing its next frame takes that
 *   long (a requester that stops reading blocks the write). So a long response that keeps moving
 *   never times out, and a stalled one frees its slot within `timeoutMs`;
 * - `deadlineMs` (optional): a bound on the whole exchange, for callers that want one;
 * - `maxInFlight`: inbound requests of one protocol being answered at once, host-wide; one more
 *   is answered NET_BUSY at once (libp2p's own per-connection `maxInboundStreams` is set just
 *   above it, so over-eager peers get the explicit answer rather than a stream reset);
 * - `maxInFlightPerPeer` (optional): the same for one peer, answered NET_PEER_BUSY, before the
 *   host-wide count, so one peer cannot take every slot (nor the memory each one may hold).
 */
import type { Connection, Libp2p, PeerId, Stream } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';
import { isNetError, NetError } from './errors.ts';
import {
  DEFAULT_MAX_FRAME_BYTES,
  type Frame,
  FrameStream,
  isNetErrorCode,
  timeoutOrAbort,
} from './frame-stream.ts';
import { PeerSlots, type ReleaseSlot } from './peer-slots.ts';

export interface FrameLimits {
  /** Largest DATA payload accepted or sent, bytes (default 1 MiB). */
  readonly maxFrameBytes?: number;
  /** Longest wait without progress (the next frame), ms (default 30 000). */
  readonly timeoutMs?: number;
  /** Bound on the whole exchange, ms (default none: only `timeoutMs` applies). */
  readonly deadlineMs?: number;
}

export interface ServeOptions extends FrameLimits {
  /** Requests of this protocol answered at once, host-wide (default 16). */
  readonly maxInFlight?: number;
  /** Requests of this protocol answered at once for one peer (default: only `maxInFlight` applies). */
  readonly maxInFlightPerPeer?: number;
  /**
   * Called when a peer's request is not a well-formed frame (NET_FRAME_TOO_LARGE,
   * NET_FRAME_MALFORMED): something only a misbehaving peer sends. A request cut short
   * (NET_STREAM_FAILED) or late (NET_TIMEOUT) may be the network's fault and is not reported.
   */
  readonly onMisbehaviour?: (peer: PeerId, error: NetError) => void;
}

export interface RequestOptions extends FrameLimits {
  readonly signal?: AbortSignal;
}

export interface RequestContext {
  readonly peer: PeerId;
  readonly connection: Connection;
  /** Aborted when the exchange stalls (`timeoutMs`), at `deadlineMs`, or when the requester goes away. */
  readonly signal: AbortSignal;
}

/**
 * Produces the response frames for one request. Throwing a NetError sends its code; any other
 * error is reported as NET_REMOTE_ERROR without its message.
 */
export type Responder = (
  request: Uint8Array,
  context: RequestContext,
) => AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_IN_FLIGHT = 16;

type HandlingNode = Pick<Libp2p, 'handle' | 'unhandle'>;
type DialingNode = Pick<Libp2p, 'dialProtocol'>;

/** Registers `responder` for `protocol` on `node`. Undo with `node.unhandle(protocol)`. */
export async function serveRequests(
  node: HandlingNode,
  protocol: string,
  responder: Responder,
  options: ServeOptions = {},
): Promise<void> {
  const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
  const perPeer =
    options.maxInFlightPerPeer === undefined ? undefined : new PeerSlots(options.maxInFlightPerPeer);
  let inFlight = 0;

  const answer = async (stream: Stream, connection: Connection): Promise<void> => {
    const gone = new AbortController();
    stream.addEventListener(
      'close',
      () => gone.abort(new NetError('NET_STREAM_FAILED', 'requester went away')),
      {
        once: true,
      },
    );
    const idle = new IdleTimer(timeoutMs);
    const signal = AbortSignal.any(
      options.deadlineMs === undefined
        ? [idle.signal, gone.signal]
        : [idle.signal, gone.signal, AbortSignal.timeout(options.deadlineMs)],
    );
    const frames = new FrameStream(stream, maxFrameBytes);
    const refuse = async (error: NetError, release?: ReleaseSlot): Promise<void> => {
      release?.();
      idle.arm();
      await reportAndClose(frames, error, signal);
      idle.stop();
    };
    const releasePeerSlot = perPeer?.tryTake(connection.remotePeer.toString());
    if (perPeer !== undefined && releasePeerSlot === undefined)
      return refuse(new NetError('NET_PEER_BUSY', `at most ${perPeer.limit} at once per peer`));
    if (inFlight >= maxInFlight) return refuse(new NetError('NET_BUSY'), releasePeerSlot);
    inFlight++;
    idle.arm();
    try {
      let request: Frame;
      try {
        request = await frames.read(signal);
        if (request.type !== 'data')
          throw new NetError('NET_FRAME_MALFORMED', `expected a request, got ${request.type}`);
      } catch (err) {
        if (isNetError(err, 'NET_FRAME_TOO_LARGE') || isNetError(err, 'NET_FRAME_MALFORMED'))
          options.onMisbehaviour?.(connection.remotePeer, err);
        throw err;
      }
      await respond(
        responder(request.payload, { peer: connection.remotePeer, connection, signal }),
        frames,
        signal,
        idle,
      );
      await frames.writeEnd(signal);
      await stream.close({ signal });
    } catch (err) {
      await reportAndClose(frames, err, signal);
    } finally {
      idle.stop();
      inFlight--;
      releasePeerSlot?.();
    }
  };

  await node.handle(protocol, answer, { maxInboundStreams: maxInFlight + 1 });
}

/**
 * Writes the responder's frames. Each step is raced against `signal`, so a responder that ignores
 * its signal still cannot hold its in-flight slot past the deadline.
 */
async function respond(
  frames: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  out: FrameStream,
  signal: AbortSignal,
  idle: IdleTimer,
): Promise<void> {
  const iterator: Iterator<Uint8Array> | AsyncIterator<Uint8Array> =
    Symbol.asyncIterator in frames ? frames[Symbol.asyncIterator]() : frames[Symbol.iterator]();
  let done = false;
  try {
    while (true) {
      const step = await untilAborted(Promise.resolve(iterator.next()), signal);
      if (step.done === true) {
        done = true;
        return;
      }
      await out.writeData(step.value, signal);
      // A frame went out: the exchange is moving.
      idle.arm();
    }
  } finally {
    // Let a generator run its own `finally`; never wait for it.
    if (!done) Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}

/**
 * `promise`, or a rejection as soon as `signal` aborts. Not `Promise.race` with one promise that
 * waits for the abort: every race adds a reaction to that promise, which holds the race's result
 * until it settles, so a response raced frame by frame against it kept every frame it had sent
 * until the response ended (16 MiB for a whole sync response).
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(timeoutOrAbort(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(timeoutOrAbort(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Best effort: tell the requester why, then close; abort the stream if even that fails. */
async function reportAndClose(frames: FrameStream, err: unknown, signal: AbortSignal): Promise<void> {
  const stream = frames.stream;
  if (stream.writeStatus !== 'writable') {
    stream.abort(err instanceof Error ? err : new Error(String(err)));
    return;
  }
  const code = err instanceof NetError ? err.code : 'NET_REMOTE_ERROR';
  const message = err instanceof NetError ? (err.detail ?? '') : '';
  try {
    // A fresh short deadline: the request's own may be what just expired.
    const grace = signal.aborted ? AbortSignal.timeout(1_000) : signal;
    await frames.writeError(code, message, grace);
    await stream.close({ signal: grace });
  } catch {
    stream.abort(err instanceof Error ? err : new Error(String(err)));
  }
}

/**
 * Sends `body` to `target` on `protocol` and yields the response frames as they arrive. Throws
 * NetError: the peer's ERROR code (NET_BUSY, NET_FRAME_TOO_LARGE, … or NET_REMOTE_ERROR with the
 * peer's code in the message), NET_FRAME_TOO_LARGE for a response frame above this side's limit,
 * NET_TIMEOUT at the deadline, NET_DIAL_FAILED when no stream could be opened (unreachable,
 * refused, protocol not supported), NET_STREAM_FAILED when the stream ends before END. Breaking
 * out of the loop early resets the stream.
 */
export async function* request(
  node: DialingNode,
  target: PeerId | Multiaddr,
  protocol: string,
  body: Uint8Array,
  options: RequestOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const idle = new IdleTimer(options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const signals = [idle.signal];
  if (options.signal !== undefined) signals.push(options.signal);
  if (options.deadlineMs !== undefined) signals.push(AbortSignal.timeout(options.deadlineMs));
  const signal = signals.length === 1 ? idle.signal : AbortSignal.any(signals);
  let stream: Stream;
  idle.arm();
  try {
    stream = await node.dialProtocol(target, protocol, { signal });
  } catch (err) {
    idle.stop();
    if (signal.aborted) throw timeoutOrAbort(signal);
    // libp2p rejects with whatever ended the dial (an Error, or the connection's close Event).
    throw new NetError('NET_DIAL_FAILED', describe(err), { cause: err });
  }
  let finished = false;
  try {
    const frames = new FrameStream(stream, options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
    await frames.writeData(body, signal);
    await stream.close({ signal });
    while (true) {
      // Only the wait for the peer counts: the consumer's own time between frames does not.
      idle.arm();
      const frame = await frames.read(signal);
      idle.disarm();
      if (frame.type === 'end') break;
      if (frame.type === 'error') throw remoteError(frame.code, frame.message);
      yield frame.payload;
    }
    finished = true;
  } catch (err) {
    if (err instanceof NetError) throw err;
    if (signal.aborted) throw timeoutOrAbort(signal);
    throw new NetError('NET_STREAM_FAILED', describe(err), { cause: err });
  } finally {
    idle.stop();
    if (!finished) stream.abort(new Error('request abandoned'));
  }
}

/**
 * An abort signal that fires when armed for `ms` without being re-armed or disarmed: the idle
 * limit of an exchange. One timer per exchange, re-checked lazily, so re-arming on every frame
 * costs no timer churn. The reason is a TimeoutError, which `timeoutOrAbort` maps to NET_TIMEOUT.
 */
export class IdleTimer {
  readonly #controller = new AbortController();
  readonly #ms: number;
  #deadline = 0;
  #armed = false;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(ms: number) {
    if (!Number.isFinite(ms) || ms <= 0)
      throw new RangeError('an idle limit must be a positive number of ms');
    this.#ms = ms;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Starts (or restarts) the idle period. */
  arm(): void {
    if (this.#controller.signal.aborted) return;
    this.#armed = true;
    this.#deadline = Date.now() + this.#ms;
    this.#schedule(this.#ms);
  }

  /** Stops counting until the next `arm`. */
  disarm(): void {
    this.#armed = false;
  }

  /** Disarms for good and releases the timer. */
  stop(): void {
    this.#armed = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(ms: number): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => this.#check(), ms);
    this.#timer.unref?.();
  }

  #check(): void {
    this.#timer = undefined;
    if (!this.#armed) return;
    const left = this.#deadline - Date.now();
    if (left > 0) {
      this.#schedule(left);
      return;
    }
    const reason = new Error(`no progress for ${this.#ms} ms`);
    reason.name = 'TimeoutError';
    this.#controller.abort(reason);
  }
}

/** `request`, collected: every response frame, in order. */
export async function requestAll(
  node: DialingNode,
  target: PeerId | Multiaddr,
  protocol: string,
  body: Uint8Array,
  options: RequestOptions = {},
): Promise<Uint8Array[]> {
  const frames: Uint8Array[] = [];
  for await (const frame of request(node, target, protocol, body, options)) frames.push(frame);
  return frames;
}

/** A short description of anything thrown: an Error's name and message, or an Event's type. */
function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  if (typeof Event !== 'undefined' && err instanceof Event) return `${err.type} event`;
  return String(err);
}

function remoteError(code: string, message: string): NetError {
  const detail = `reported by the peer${isNetErrorCode(code) ? '' : ` as ${code}`}${message === '' ? '' : `: ${message}`}`;
  return new NetError(isNetErrorCode(code) ? code : 'NET_REMOTE_ERROR', detail, { remote: true });
}
