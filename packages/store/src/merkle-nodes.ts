/**
 * Perfect Merkle nodes as stored: level >= 1 under their own keys, level 0 (leaf hashes) never,
 * because a leaf hash is SHA-256 of the stored envelope. Leaves are half of all perfect nodes,
 * so recomputing them saves about 45 bytes per entry, for at most a few extra envelope reads
 * per proof.
 */
import { HASH_SIZE, LiuhenError, leafHash, type NodeId, type PerfectNode } from '@liuhen/core';
import { type Database, getMany, type Put } from './database.ts';
import { envelopeKey, nodeKey } from './keys.ts';

export function nodePuts(orgNo: number, nodes: readonly PerfectNode[]): Put[] {
  return nodes
    .filter((node) => node.level > 0)
    .map((node) => ({ type: 'put', key: nodeKey(orgNo, node.level, node.index), value: node.hash }));
}

/**
 * Reads the given complete nodes of one log in a single batch, for core's `assembleProof` or
 * `MerkleFrontier.fromNodes`. A missing node means the store lost data it acknowledged.
 */
export async function readNodes(
  db: Database,
  orgNo: number,
  ids: readonly NodeId[],
): Promise<(id: NodeId) => Uint8Array> {
  const keys = ids.map((id) =>
    id.level === 0 ? envelopeKey(orgNo, id.index) : nodeKey(orgNo, id.level, id.index),
  );
  const values = await getMany(db, keys);
  const hashes = new Map<string, Uint8Array>();
  for (const [i, id] of ids.entries()) {
    const value = values[i];
    if (value === undefined || (id.level > 0 && value.length !== HASH_SIZE)) {
      throw new LiuhenError('STORE_CORRUPT', `Merkle node ${id.level}/${id.index} is missing or damaged`);
    }
    hashes.set(`${id.level}/${id.index}`, id.level === 0 ? leafHash(value) : value);
  }
  return (id) => hashes.get(`${id.level}/${id.index}`) as Uint8Array;
}
