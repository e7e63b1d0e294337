import { describe, expect, it } from 'vitest';
import { fastGossipMessageId, type GossipRpcMessage } from '../src/gossip-message-id.ts';

const bytes = (...values: number[]) => new Uint8Array(values);

const message: GossipRpcMessage = {
  from: bytes(1, 2, 3),
  seqno: bytes(0, 0, 0, 7),
  topic: '/liuhen/test/blocks',
  data: bytes(9, 8, 7, 6),
  signature: bytes(5, 5, 5),
  key: undefined,
};

describe('fastGossipMessageId', () => {
  it('gives byte-identical copies of a message one id', () => {
    const copy: GossipRpcMessage = {
      ...message,
      from: bytes(1, 2, 3),
      data: bytes(9, 8, 7, 6),
      signature: bytes(5, 5, 5),
    };
    expect(fastGossipMessageId(copy)).toBe(fastGossipMessageId(message));
  });

  it('gives a copy with any field changed another id, so a forgery cannot shadow the genuine message', () => {
    const id = fastGossipMessageId(message);
    const variants: GossipRpcMessage[] = [
      { ...message, signature: bytes(5, 5, 6) },
      { ...message, signature: undefined },
      { ...message, data: bytes(9, 8, 7, 7) },
      { ...message, seqno: bytes(0, 0, 0, 8) },
      { ...message, from: bytes(1, 2, 4) },
      { ...message, topic: '/liuhen/test/cosignatures' },
      { ...message, key: bytes() },
    ];
    const ids = variants.map(fastGossipMessageId);
    expect(ids).not.toContain(id);
    expect(new Set(ids).size).toBe(variants.length);
  });

  it('keeps field boundaries: bytes moved from one field to the next change the id', () => {
    const a = fastGossipMessageId({ ...message, from: bytes(1, 2), seqno: bytes(3, 0, 0, 0, 7) });
    const b = fastGossipMessageId({ ...message, from: bytes(1, 2, 3), seqno: bytes(0, 0, 0, 7) });
    expect(a).not.toBe(b);
  });
});
