/**
 * The profile's incremental indexes (core `AppendIndex`) of the objects appended to recently,
 * least recently used first out, bounded by the entries they hold together. An index is built
 * from the store the first time its object is appended to after start or after it was dropped;
 * it lives in memory only, so a restarted node builds it again from what is durable.
 */
import type { AppendIndex } from '@liuhen/core';

/**
 * Indexed entries kept over all objects: about 100 MB at most, an entry being about 1 KB decoded
 * (the recent entries' cache shares the newest). Objects appended to in turn beyond it are
 * rebuilt on each append, as every append was before indexes. One index larger than this is
 * still kept while it is the one in use.
 */
export const APPEND_INDEX_ENTRIES = 100_000;

export class AppendIndexes {
  readonly #make: () => AppendIndex;
  readonly #maxEntries: number;
  /** In use order, least recent first, each with its size when last counted. */
  readonly #byObject = new Map<string, { index: AppendIndex; counted: number }>();
  /** The sum of the counted sizes: kept, so a trim costs what it drops, not a pass over all. */
  #total = 0;

  constructor(make: () => AppendIndex, maxEntries = APPEND_INDEX_ENTRIES) {
    this.#make = make;
    this.#maxEntries = maxEntries;
  }

  /** The object's index, empty on a miss; the most recently used from now on. */
  take(object: string): AppendIndex {
    const held = this.#byObject.get(object) ?? { index: this.#make(), counted: 0 };
    this.#byObject.delete(object);
    this.#byObject.set(object, held);
    return held.index;
  }

  /** A new, empty index for the object in place of its stale one. */
  replace(object: string): AppendIndex {
    this.#drop(object);
    return this.take(object);
  }

  /** Counts the object's index again after it changed, then drops the least recently used until the rest fit. */
  trim(object: string): void {
    const held = this.#byObject.get(object);
    if (held !== undefined) {
      this.#total += held.index.size - held.counted;
      held.counted = held.index.size;
    }
    for (const least of this.#byObject.keys()) {
      if (this.#total <= this.#maxEntries || this.#byObject.size === 1) break;
      this.#drop(least);
    }
  }

  /** Forgets every index: entries they hold were not stored after all (a failed commit). */
  clear(): void {
    this.#byObject.clear();
    this.#total = 0;
  }

  #drop(object: string): void {
    const held = this.#byObject.get(object);
    if (held === undefined) return;
    this.#byObject.delete(object);
    this.#total -= held.counted;
  }
}
