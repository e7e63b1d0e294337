/**
 * Small memos for the parts of verification that are pure functions of bytes and cost the most:
 * decoding a genesis and folding the governance log, and building the operator registry from a
 * sequence of certificates. Both validate every public key they read with the portable curve
 * code (about 2 ms a key) — a genesis of 8 keys, a network's 20 certificates — while an inspector
 * verifies object after object of the same network. The memo key is the exact bytes' hashes, so a
 * hit is the same computation on the same input; what is kept is only read afterwards.
 */
export class Memo<T> {
  readonly #limit: number;
  readonly #entries = new Map<string, T>();

  constructor(limit: number) {
    this.#limit = limit;
  }

  get(key: string, make: () => T): T {
    const hit = this.#entries.get(key);
    if (hit !== undefined) {
      // Most recently used last, so the oldest is the one dropped.
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit;
    }
    const value = make();
    if (this.#entries.size >= this.#limit) this.#entries.delete(this.#entries.keys().next().value as string);
    this.#entries.set(key, value);
    return value;
  }
}
