/** The byte examples of docs/protocol.md §12 (replication) are what this package sends. */
import '../src/polyfill.ts';
import { readFileSync } from 'node:fs';
import { concatBytes, toHex } from '@liuhen/core';
import { describe, expect, it } from 'vitest';
import {
  decodeBlobRequest,
  decodeCosignaturesRequest,
  encodeBlobRequest,
  encodeCosignaturesRequest,
  encodeHeadsRequest,
  encodeSyncRequest,
  FRAME_DATA,
  FRAME_END,
} from '../src/index.ts';

const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
const section = doc.slice(doc.indexOf('## 12. Replication'));

/** The hex of the first fenced block after `label` in §12. */
function hexAfter(label: string): string {
  const at = section.indexOf(label);
  if (at < 0) throw new Error(`not in §12: ${label}`);
  const fence = section.indexOf('```\n', at) + 4;
  return section.slice(fence, section.indexOf('\n```', fence)).replace(/\s/g, '');
}

describe('docs/protocol.md §12', () => {
  it('shows the heads request frame and the sync request bytes the code produces', () => {
    const heads = encodeHeadsRequest();
    const frame = concatBytes(Uint8Array.of(heads.byteLength + 1, FRAME_DATA), heads);
    expect(hexAfter('the heads request as a DATA frame')).toBe(toHex(frame));
    expect(section).toContain(`DATA frame (${frame.byteLength} bytes)`);
    const sync = encodeSyncRequest({ org: 'a', fromSize: 100, toSize: 250 });
    expect(hexAfter('the sync request for org `a` from 100 to 250')).toBe(toHex(sync));
    expect(section).toContain(`(${sync.byteLength} bytes)`);
  });

  it('shows the blob and cosignatures requests the code produces', () => {
    const sha256 = Uint8Array.from({ length: 32 }, (_, i) => i);
    const blob = encodeBlobRequest(sha256);
    const frame = concatBytes(Uint8Array.of(blob.byteLength + 1, FRAME_DATA), blob);
    expect(hexAfter('the request for the blob whose hash is the bytes 00 01 … 1f')).toBe(toHex(frame));
    expect(section).toContain(`as a DATA frame (${frame.byteLength} bytes)`);
    expect(toHex(decodeBlobRequest(blob))).toBe(toHex(sha256));
    const hello = new TextEncoder().encode('hello');
    const response = concatBytes(
      Uint8Array.of(hello.byteLength + 1, FRAME_DATA),
      hello,
      Uint8Array.of(1, FRAME_END),
    );
    expect(hexAfter('the whole response for the 5-byte blob `hello`')).toBe(toHex(response));
    const asked = { org: 'a', fromHeight: 1, toHeight: 256, missing: ['b', 'c'] };
    const cosignatures = encodeCosignaturesRequest(asked);
    expect(hexAfter('the request for org `a`, heights 1 to 256')).toBe(toHex(cosignatures));
    expect(section).toContain(`witnesses \`b\` and \`c\` (${cosignatures.byteLength} bytes)`);
    expect(decodeCosignaturesRequest(cosignatures)).toEqual(asked);
    expect(() => encodeCosignaturesRequest({ ...asked, toHeight: 257 })).toThrow();
    expect(() => encodeCosignaturesRequest({ ...asked, missing: ['c', 'b'] })).toThrow();
    expect(() => encodeCosignaturesRequest({ ...asked, missing: [] })).toThrow();
  });
});
