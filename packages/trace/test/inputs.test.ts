/** The inputs both CLIs accept: times, trust anchors, bundle files in either form, node answers. */
import { encodeGenesis, genesisToJson } from '@liuhen/governance';
import { describe, expect, it } from 'vitest';
import {
  anchorFromGenesisFile,
  anchorFromNetworkId,
  bundleRequest,
  bundleResponse,
  encodeBundle,
  formatBundleJson,
  parseTime,
  readBundle,
} from '../src/index.ts';
import { genesis, segment } from './fixtures.ts';

describe('inputs', () => {
  it('parses times as ms or zoned ISO 8601, and refuses a time without a zone', () => {
    expect(parseTime('1715220000000')).toBe(1715220000000);
    expect(parseTime('2024-05-09T10:00:00+08:00')).toBe(Date.UTC(2024, 4, 9, 2));
    expect(parseTime('2024-05-09')).toBe(Date.UTC(2024, 4, 9));
    expect(() => parseTime('2024-05-09T10:00')).toThrow(/TIME_INVALID/);
    expect(() => parseTime('yesterday')).toThrow(/TIME_INVALID/);
  });

  it('takes a genesis file in either form as the same anchor', () => {
    const bytes = encodeGenesis(genesis());
    const fromJson = anchorFromGenesisFile(new TextEncoder().encode(genesisToJson(genesis())));
    expect(fromJson.genesis).toEqual(bytes);
    expect(anchorFromGenesisFile(bytes).genesis).toEqual(bytes);
    expect(() => anchorFromGenesisFile(new TextEncoder().encode('{"name": 1}'))).toThrow(/ANCHOR_INVALID/);
    expect(() => anchorFromNetworkId('abc')).toThrow(/ANCHOR_INVALID/);
    expect(anchorFromNetworkId('AB'.repeat(32)).networkId?.[0]).toBe(0xab);
  });

  it('reads a bundle file in either form', async () => {
    const bundle = await segment().bundle();
    const binary = encodeBundle(bundle);
    expect(encodeBundle(readBundle(binary))).toEqual(binary);
    expect(encodeBundle(readBundle(new TextEncoder().encode(`\n  ${formatBundleJson(bundle)}`)))).toEqual(
      binary,
    );
  });

  it('speaks the bundle endpoint: request and both kinds of answer', async () => {
    const request = bundleRequest('http://127.0.0.1:7700', 'SZ-WS000123-WS000124#1', 'tok', {
      attachments: true,
    });
    expect(request.url).toBe(
      'http://127.0.0.1:7700/v1/objects/SZ-WS000123-WS000124%231/bundle?attachments=1',
    );
    expect(request.headers).toEqual({ accept: 'application/cbor', authorization: 'Bearer tok' });
    expect(bundleRequest('http://h/base/', 'a b').url).toBe('http://h/base/v1/objects/a%20b/bundle');
    const bytes = encodeBundle(await segment().bundle());
    expect('bundle' in bundleResponse(200, 'application/cbor', bytes)).toBe(true);
    const refusal = new TextEncoder().encode('{"error":{"code":"NOT_FOUND","message":"no entries"}}');
    expect(bundleResponse(404, 'application/json', refusal)).toEqual({
      error: { code: 'NOT_FOUND', message: 'no entries' },
    });
    expect(bundleResponse(200, 'text/html', new Uint8Array())).toMatchObject({
      error: { code: 'REQUEST_INVALID' },
    });
  });
});
