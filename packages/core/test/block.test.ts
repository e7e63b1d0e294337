import { describe, expect, it } from 'vitest';
import {
  applyBlock,
  type Block,
  checkHeaderExtends,
  cutBlock,
  decodeBlock,
  emptyLogState,
  encodeBlock,
  headerHash,
  type LogState,
  parseBlockHeader,
  ZERO_HASH,
} from '../src/block.ts';
import { fromHex, toBase64, utf8 } from '../src/bytes.ts';
import { publicKeyFromSeed } from '../src/ed25519.ts';
import { buildEntry, signEntry } from '../src/entry.ts';
import { failureCode, LiuhenError } from '../src/errors.ts';
import { sha256 } from '../src/hash.ts';
import { formatSignedNote } from '../src/note.ts';

const network = sha256(utf8('block test network'));
const nodeSeed = fromHex('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb');
const nodeKey = publicKeyFromSeed(nodeSeed);
const operatorSeed = fromHex('c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7');
const operatorKey = publicKeyFromSeed(operatorSeed);
const governance = { seq: 0, hash: network };
const options = { network, org: 'contractor', seed: nodeSeed, governance };

function envelopes(from: number, count: number, org = 'contractor'): Uint8Array[] {
  return Array.from(
    { length: count },
    (_, i) =>
      signEntry(
        buildEntry({
          network,
          org,
          object: `seg:${from + i}`,
          kind: 'construction.pipe-laid',
          time: 1_700_000_000_000 + from + i,
          signer: operatorKey,
          role: 'QI',
          body: { n: from + i },
        }),
        operatorSeed,
      ).envelope,
  );
}

function chain(): { blocks: Block[]; states: LogState[] } {
  let state = emptyLogState();
  const blocks: Block[] = [];
  const states: LogState[] = [state];
  for (const [h, count] of [3, 1, 5].entries()) {
    const cut = cutBlock(state, envelopes(state.frontier.size, count), {
      ...options,
      time: 1_700_000_100_000 + h,
    });
    blocks.push(cut.block);
    state = cut.state;
    states.push(state);
  }
  return { blocks, states };
}

describe('blocks', () => {
  it('a verifier replays the chain from headers and entries alone', () => {
    const { blocks, states } = chain();
    let state = emptyLogState();
    for (const block of blocks) state = applyBlock(state, decodeBlock(encodeBlock(block)), { nodeKey });
    expect(state.frontier.root()).toEqual(states.at(-1)?.frontier.root());
    expect(state.header?.height).toBe(3);
    expect(state.header?.size).toBe(9);
    expect(blocks[0]?.header.previous).toEqual(ZERO_HASH);
    expect(blocks[1]?.header.previous).toEqual(headerHash(blocks[0]?.header as never));
  });

  it('header text carries the four extension lines in order', () => {
    const { blocks } = chain();
    const lines = blocks[1]?.header.text.split('\n') ?? [];
    expect(lines[0]).toMatch(/^liuhen\/[0-9a-f]{64}\/contractor$/);
    expect(lines.slice(3, 7).map((l) => l.split(' ')[0])).toEqual([
      'height',
      'previous',
      'time',
      'governance',
    ]);
  });

  it('refuses a header signed by another key', () => {
    const { blocks } = chain();
    const otherKey = publicKeyFromSeed(new Uint8Array(32).fill(9));
    expect(failureCode(() => applyBlock(emptyLogState(), blocks[0] as Block, { nodeKey: otherKey }))).toBe(
      'NOTE_UNSIGNED',
    );
  });

  it('refuses a block that skips or replays a height', () => {
    const { blocks, states } = chain();
    expect(failureCode(() => applyBlock(states[0] as LogState, blocks[1] as Block, { nodeKey }))).toBe(
      'BLOCK_CHAIN_BROKEN',
    );
    expect(failureCode(() => applyBlock(states[2] as LogState, blocks[1] as Block, { nodeKey }))).toBe(
      'BLOCK_CHAIN_BROKEN',
    );
  });

  it('refuses a block whose entries do not give the signed root', () => {
    const { blocks, states } = chain();
    const block = blocks[2] as Block;
    const swapped = { ...block, envelopes: [...block.envelopes].reverse() };
    expect(failureCode(() => applyBlock(states[2] as LogState, swapped, { nodeKey }))).toBe(
      'BLOCK_ROOT_MISMATCH',
    );
    const short = { ...block, envelopes: block.envelopes.slice(1) };
    expect(failureCode(() => applyBlock(states[2] as LogState, short, { nodeKey }))).toBe('BLOCK_MALFORMED');
  });

  it('refuses an entry of another org inside a block', () => {
    const cut = cutBlock(emptyLogState(), envelopes(0, 2, 'lab'), { ...options, time: 1 });
    expect(failureCode(() => applyBlock(emptyLogState(), cut.block, { nodeKey }))).toBe('BLOCK_MALFORMED');
  });

  it('refuses a tampered entry inside a block', () => {
    const { blocks } = chain();
    const block = blocks[0] as Block;
    const bad = block.envelopes[1]?.slice() as Uint8Array;
    bad[20] = (bad[20] as number) ^ 1;
    const tampered = {
      ...block,
      envelopes: [block.envelopes[0] as Uint8Array, bad, block.envelopes[2] as Uint8Array],
    };
    expect(() => applyBlock(emptyLogState(), tampered, { nodeKey })).toThrow(LiuhenError);
  });

  it('checks the header chain rules', () => {
    const { blocks } = chain();
    const [b1, b2] = blocks.map((b) => b.header);
    expect(() => checkHeaderExtends(undefined, b1 as never)).not.toThrow();
    expect(() => checkHeaderExtends(b1, b2 as never)).not.toThrow();
    expect(failureCode(() => checkHeaderExtends(undefined, b2 as never))).toBe('BLOCK_CHAIN_BROKEN');
    expect(failureCode(() => checkHeaderExtends(b2, b1 as never))).toBe('BLOCK_CHAIN_BROKEN');
  });

  it('rejects header texts that are not in canonical form', () => {
    const { blocks } = chain();
    const note = formatSignedNote((blocks[0] as Block).header.note);
    for (const [from, to] of [
      ['height 1', 'height 01'],
      ['time ', 'time  '],
      ['height 1\n', 'height 1\nextra line\n'],
      [`previous ${toBase64(ZERO_HASH)}`, 'previous AAAA'],
      ['/contractor\n', '/contractor x\n'],
    ] as const) {
      expect(() => parseBlockHeader(note.replace(from, to)), `${from} -> ${to}`).toThrow(LiuhenError);
    }
  });

  it('decodeBlock only ever throws typed errors', () => {
    const bytes = encodeBlock(chain().blocks[0] as Block);
    for (let i = 0; i < bytes.length; i += 7) {
      const bad = bytes.slice();
      bad[i] = (bad[i] as number) ^ 0x5a;
      try {
        const block = decodeBlock(bad);
        applyBlock(emptyLogState(), block, { nodeKey });
      } catch (error) {
        expect(error).toBeInstanceOf(LiuhenError);
      }
    }
  });
});
