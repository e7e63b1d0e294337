/**
 * At most `limit` units of one kind of work per peer at once (DESIGN §5: one peer must not pin
 * unbounded memory of another). A responder `tryTake`s a slot and refuses the excess at once; a
 * requester `take`s one and waits its turn, so an honest requester never meets the refusal.
 */
import { timeoutOrAbort } from './frame-stream.ts';

/** Gives the slot back; calling it again does nothing. */
export type ReleaseSlot = () => void;

export class PeerSlots {
  readonly limit: number;
  readonly #held = new Map<string, number>();
  readonly #waiting = new Map<string, Array<() => void>>();

  constructor(limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1)
      throw new RangeError('a slot limit must be a positive integer');
    this.limit = limit;
  }

  /** Slots `peer` holds now. */
  held(peer: string): number {
    return this.#held.get(peer) ?? 0;
  }

  /** A slot for `peer` if one is free now, else undefined. */
  tryTake(peer: string): ReleaseSlot | undefined {
    if (this.held(peer) >= this.limit) return undefined;
    this.#held.set(peer, this.held(peer) + 1);
    return this.#releaser(peer);
  }

  /** A slot for `peer`, once one is free (first come, first served). Rejects when `signal` aborts. */
  take(peer: string, signal?: AbortSignal): Promise<ReleaseSlot> {
    const now = this.tryTake(peer);
    if (now !== undefined) return Promise.resolve(now);
    if (signal?.aborted === true) return Promise.reject(timeoutOrAbort(signal));
    return new Promise((resolve, reject) => {
      const queue = this.#waiting.get(peer) ?? [];
      this.#waiting.set(peer, queue);
      const onAbort = () => {
        const at = queue.indexOf(grant);
        if (at >= 0) queue.splice(at, 1);
        if (queue.length === 0 && this.#waiting.get(peer) === queue) this.#waiting.delete(peer);
        reject(timeoutOrAbort(signal as AbortSignal));
      };
      // The releasing slot passes straight to the waiter: the count never drops in between.
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(this.#releaser(peer));
      };
      queue.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  #releaser(peer: string): ReleaseSlot {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const queue = this.#waiting.get(peer);
      const next = queue?.shift();
      if (queue !== undefined && queue.length === 0) this.#waiting.delete(peer);
      if (next !== undefined) {
        next();
        return;
      }
      const held = this.held(peer) - 1;
      if (held > 0) this.#held.set(peer, held);
      else this.#held.delete(peer);
    };
  }
}
