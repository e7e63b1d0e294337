/**
 * A direct-mapped memo from short byte strings to values: one slot per hash of the bytes, the
 * bytes compared in full on a hit, a collision replacing the slot. For values that recur
 * constantly (signers' public keys, map keys, org ids and kinds) and cost far more to make than
 * to find: its memory is bounded, it keeps no eviction order, and inputs chosen to collide gain
 * nothing but recomputation. A string key for the same lookup cost more than the lookup saved.
 */
export class ByteMemo<T> {
  readonly #keys: Array<Uint8Array | undefined>;
  readonly #values: Array<T | undefined>;

  constructor(readonly slots: number) {
    this.#keys = new Array(slots);
    this.#values = new Array(slots);
  }

  /**
   * The value for `bytes[start, end)`, made by `make` on a miss. `make` may throw: nothing is
   * remembered then.
   */
  get(
    bytes: Uint8Array,
    start: number,
    end: number,
    make: (bytes: Uint8Array, start: number, end: number) => T,
  ): T {
    // FNV-1a, 32-bit, over the length and at most the first and last eight bytes: keys are
    // compared in full on a hit, so hashing less costs only collisions, and the ends are where
    // keys differ (public keys everywhere, ids and names mostly at the end).
    let hash = Math.imul(0x811c9dc5 ^ (end - start), 0x01000193);
    const head = Math.min(end, start + 8);
    for (let i = start; i < head; i++) hash = Math.imul(hash ^ (bytes[i] as number), 0x01000193);
    for (let i = Math.max(head, end - 8); i < end; i++)
      hash = Math.imul(hash ^ (bytes[i] as number), 0x01000193);
    const slot = (hash >>> 0) % this.slots;
    const key = this.#keys[slot];
    if (key !== undefined && key.length === end - start) {
      let i = 0;
      while (i < key.length && key[i] === bytes[start + i]) i++;
      if (i === key.length) return this.#values[slot] as T;
    }
    const value = make(bytes, start, end);
    this.#keys[slot] = bytes.slice(start, end);
    this.#values[slot] = value;
    return value;
  }
}
