/**
 * The head of one org log — its latest header and Merkle frontier — and the checks a block must
 * pass against it before the store writes anything. The caller has verified the block; these
 * checks are defence in depth against a caller that commits the wrong block or the wrong nodes,
 * which would otherwise corrupt the log or every later proof silently.
 */
import {
  type BlockHeader,
  checkHeaderExtends,
  equalBytes,
  LiuhenError,
  MerkleFrontier,
  type PerfectNode,
} from '@liuhen/core';

export interface LogHead {
  readonly header: BlockHeader;
  readonly frontier: MerkleFrontier;
}

export interface BlockShape {
  readonly header: BlockHeader;
  readonly envelopes: readonly Uint8Array[];
  readonly nodes: readonly PerfectNode[];
}

function malformed(problem: string): never {
  throw new LiuhenError('BLOCK_MALFORMED', problem);
}

/**
 * The head after the block, and the perfect nodes its leaves complete. Recomputing the parent
 * nodes costs one SHA-256 of 65 bytes per leaf and proves the supplied ones right, so a wrong
 * node can never reach the store; leaf hashes are trusted to be those of the envelopes.
 */
export function extendHead(
  previous: LogHead | undefined,
  block: BlockShape,
): { head: LogHead; nodes: PerfectNode[] } {
  const { header, envelopes, nodes } = block;
  checkHeaderExtends(previous?.header, header);
  const frontier = previous?.frontier.clone() ?? MerkleFrontier.empty();
  if (envelopes.length === 0) malformed('a block needs at least one entry');
  if (header.size - frontier.size !== envelopes.length) {
    malformed(
      `header grows the log by ${header.size - frontier.size} but the block has ${envelopes.length} entries`,
    );
  }
  const completed: PerfectNode[] = [];
  for (let i = 0; i < envelopes.length; i++) {
    const leaf = nodes[completed.length];
    if (leaf?.level !== 0 || leaf.index !== frontier.size)
      malformed(`no leaf node for entry ${frontier.size}`);
    for (const node of frontier.append(leaf.hash)) {
      const given = nodes[completed.length];
      if (given?.level !== node.level || given.index !== node.index || !equalBytes(given.hash, node.hash)) {
        malformed(`Merkle node ${node.level}/${node.index} is missing or wrong`);
      }
      completed.push(node);
    }
  }
  if (completed.length !== nodes.length) malformed('more Merkle nodes than the leaves complete');
  if (!equalBytes(frontier.root(), header.root)) throw new LiuhenError('BLOCK_ROOT_MISMATCH');
  return { head: { header, frontier }, nodes: completed };
}
