/**
 * A sequence with the greatest item of every range kept, so "the first position from `from` on
 * holding an item greater than x" costs O(log n): a segment tree over positions. Appending and
 * dropping the last items are O(log n); an insertion elsewhere rebuilds it in O(n).
 */
export class MaxTree<T> {
  readonly #greater: (a: T, b: T) => boolean;
  #size = 0;
  #capacity = 1;
  /** 1-based heap layout: leaves at capacity … 2·capacity − 1. */
  #tree: (T | undefined)[] = [undefined, undefined];

  constructor(greater: (a: T, b: T) => boolean) {
    this.#greater = greater;
  }

  get size(): number {
    return this.#size;
  }

  rebuild(items: readonly T[]): void {
    this.#capacity = 1;
    while (this.#capacity < items.length) this.#capacity *= 2;
    this.#tree = new Array(2 * this.#capacity).fill(undefined);
    items.forEach((item, i) => {
      this.#tree[this.#capacity + i] = item;
    });
    this.#size = items.length;
    for (let i = this.#capacity - 1; i >= 1; i--) this.#pull(i);
  }

  push(item: T): void {
    if (this.#size === this.#capacity) {
      const items = this.#tree.slice(this.#capacity, this.#capacity + this.#size) as T[];
      this.#capacity *= 2;
      this.rebuild([...items, item]);
      return;
    }
    this.#set(this.#size, item);
    this.#size++;
  }

  /** Keeps the first `size` items. */
  truncate(size: number): void {
    while (this.#size > size) {
      this.#size--;
      this.#set(this.#size, undefined);
    }
  }

  /** The first position ≥ `from` holding an item greater than `item`, or -1. */
  firstGreater(from: number, item: T): number {
    return this.#find(1, 0, this.#capacity, from, item);
  }

  #find(node: number, lo: number, hi: number, from: number, item: T): number {
    const max = this.#tree[node];
    if (hi <= from || lo >= this.#size || max === undefined || !this.#greater(max, item)) return -1;
    if (hi - lo === 1) return lo;
    const mid = (lo + hi) >> 1;
    const left = this.#find(2 * node, lo, mid, from, item);
    return left >= 0 ? left : this.#find(2 * node + 1, mid, hi, from, item);
  }

  #set(position: number, item: T | undefined): void {
    let i = this.#capacity + position;
    this.#tree[i] = item;
    for (i >>= 1; i >= 1; i >>= 1) this.#pull(i);
  }

  #pull(i: number): void {
    const a = this.#tree[2 * i];
    const b = this.#tree[2 * i + 1];
    this.#tree[i] = a === undefined ? b : b === undefined || !this.#greater(b, a) ? a : b;
  }
}
