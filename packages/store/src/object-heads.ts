/**
 * An object's DAG heads: the entries of the object that no later entry names as a parent. Kept
 * as one record per object (the ids concatenated, ascending) because an object has a handful
 * of heads and every read wants all of them.
 */
import { compareBytes, equalBytes, HASH_SIZE, LiuhenError } from '@liuhen/core';

export function encodeHeads(heads: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(heads.length * HASH_SIZE);
  for (const [i, head] of heads.entries()) out.set(head, i * HASH_SIZE);
  return out;
}

export function decodeHeads(value: Uint8Array | undefined): Uint8Array[] {
  if (value === undefined) return [];
  if (value.length % HASH_SIZE !== 0)
    throw new LiuhenError('STORE_CORRUPT', 'an object heads record is damaged');
  const heads: Uint8Array[] = [];
  for (let at = 0; at < value.length; at += HASH_SIZE) heads.push(value.slice(at, at + HASH_SIZE));
  return heads;
}

/**
 * heads − parents + id. A parent that is not a head (the author merged an older entry, or a
 * concurrent entry already superseded it) simply has nothing to remove.
 */
export function nextHeads(
  heads: readonly Uint8Array[],
  parents: readonly Uint8Array[],
  id: Uint8Array,
): Uint8Array[] {
  const kept = heads.filter((head) => !parents.some((parent) => equalBytes(parent, head)));
  if (!kept.some((head) => equalBytes(head, id))) kept.push(id);
  return kept.sort(compareBytes);
}
