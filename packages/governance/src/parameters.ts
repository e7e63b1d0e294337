/**
 * Network parameters fixed by the genesis. Every node must apply the same limits, or one node
 * would accept what another rejects; so they are part of the genesis bytes and of the network id.
 */
import { type CborValue, DEFAULT_MAX_BLOCK_ENTRIES, DEFAULT_MAX_ENTRY_BYTES } from '@liuhen/core';
import type { FieldReader } from './fields.ts';

export interface NetworkParameters {
  /** Largest accepted entry encoding, bytes. */
  readonly maxEntryBytes: number;
  /** A node cuts a block at most this long after the first pending entry, ms. */
  readonly blockIntervalMs: number;
  /** Most entries in one block; a node cuts a block when it has this many. */
  readonly blockMaxEntries: number;
  /** How far an entry's claimed time may lie ahead of a node's clock, ms. */
  readonly maxClockSkewMs: number;
}

export const DEFAULT_PARAMETERS: NetworkParameters = {
  maxEntryBytes: DEFAULT_MAX_ENTRY_BYTES,
  blockIntervalMs: 100,
  blockMaxEntries: 1_000,
  maxClockSkewMs: 5 * 60_000,
};

/**
 * Accepted ranges, [min, max]. The upper bounds keep a block within what core's decoders accept
 * by default and what a node can hold in memory; the lower bounds refuse values that would stop
 * the network from working (an entry limit below any real entry, a zero block interval).
 */
export const PARAMETER_RANGES: { readonly [K in keyof NetworkParameters]: readonly [number, number] } = {
  maxEntryBytes: [1_024, 1 << 20],
  blockIntervalMs: [10, 60_000],
  blockMaxEntries: [1, DEFAULT_MAX_BLOCK_ENTRIES],
  maxClockSkewMs: [0, 24 * 3_600_000],
};

/** The parameter names, in the order of the genesis schema. */
export const PARAMETER_NAMES = Object.keys(PARAMETER_RANGES) as readonly (keyof NetworkParameters)[];
const NAMES = PARAMETER_NAMES;

export function parametersFromCbor(value: CborValue | undefined, read: FieldReader): NetworkParameters {
  const map = read.map(value, 'parameters', NAMES);
  const field = (name: keyof NetworkParameters) =>
    read.uint(map[name], `parameters.${name}`, ...PARAMETER_RANGES[name]);
  return {
    maxEntryBytes: field('maxEntryBytes'),
    blockIntervalMs: field('blockIntervalMs'),
    blockMaxEntries: field('blockMaxEntries'),
    maxClockSkewMs: field('maxClockSkewMs'),
  };
}
