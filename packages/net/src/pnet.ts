/**
 * The private network: every connection is first wrapped by @libp2p/pnet in XSalsa20 keyed by a
 * pre-shared key (PSK), so a host without the network's swarm key cannot even start a handshake.
 *
 * Two things live here:
 * - the swarm key file (`/key/swarm/psk/1.0.0/`, `/base16/`, 64 hex digits): generate, parse
 *   strictly (pnet itself ignores the header lines and accepts any codec line), and the bytes
 *   `preSharedKey({ psk })` takes;
 * - the start-up workaround for pnet's cipher, `xsalsa20@1.x` (WASM, one module-wide memory of at
 *   most 1000 pages). Every cipher keeps a view of that memory; when one cipher grows it, every
 *   other view detaches (length 0), and the next `update()` through a detached view grows memory
 *   again by the whole input size. Under a burst of large writes these grows cascade until
 *   `WebAssembly.Memory.grow(): Maximum memory size exceeded` kills the connection. Growing the
 *   memory once, before any connection exists, by ~32 MiB means no later `update()` of up to
 *   ~32 MiB ever grows it. The growth goes through the cipher's own `realloc`, which grows the
 *   memory without writing to it: the new pages stay untouched, so they cost no resident memory
 *   until a large write uses them (running a 32 MiB keystream through a throw-away cipher, as
 *   before, made all of it resident for the life of the process and briefly needed a 32 MiB
 *   buffer beside it: +68 MiB of RSS, measured).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { NetError } from './errors.ts';

export const PSK_SIZE = 32;
const HEADER = '/key/swarm/psk/1.0.0/';
const CODEC = '/base16/';
const HEX_KEY = /^[0-9a-fA-F]{64}$/;

/** The swarm key file text for a 32-byte key (lower-case hex, trailing newline). */
export function formatSwarmKey(key: Uint8Array): string {
  if (!(key instanceof Uint8Array) || key.byteLength !== PSK_SIZE)
    throw new NetError('NET_PSK_INVALID', `the key must be ${PSK_SIZE} bytes`);
  return `${HEADER}\n${CODEC}\n${Buffer.from(key).toString('hex')}\n`;
}

/** A new random swarm key file. */
export function generateSwarmKey(): string {
  return formatSwarmKey(randomBytes(PSK_SIZE));
}

/**
 * The 32-byte key of a swarm key file. Strict: exactly the v1 header, the base16 codec, 64 hex
 * digits, optionally one trailing newline (LF or CRLF line ends).
 */
export function parseSwarmKey(text: string | Uint8Array): Uint8Array {
  const source = typeof text === 'string' ? text : Buffer.from(text).toString('utf8');
  const lines = source.split(/\r?\n/);
  if (lines.length === 4 && lines[3] === '') lines.pop();
  const [header, codec, hex] = lines;
  if (lines.length !== 3 || header !== HEADER || codec !== CODEC || hex === undefined || !HEX_KEY.test(hex))
    throw new NetError('NET_PSK_INVALID');
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

/** The bytes to hand to `preSharedKey({ psk })`: the canonical file text of the parsed key. */
export function pskBytes(swarmKey: string | Uint8Array): Uint8Array {
  return new TextEncoder().encode(formatSwarmKey(parseSwarmKey(swarmKey)));
}

interface XSalsa20Cipher {
  update(input: Uint8Array, output?: Uint8Array): Uint8Array;
  finalize(): void;
  /**
   * xsalsa20 1.x internals: the WASM implementation, whose `realloc(size)` grows the module's
   * memory to hold `size` bytes without writing to it (absent with the JavaScript fallback).
   */
  readonly _xor?: { readonly _memory?: Uint8Array; realloc?: (size: number) => void } | null;
}
type XSalsa20Factory = (nonce: Uint8Array, key: Uint8Array) => XSalsa20Cipher;

/** How much keystream the start-up pre-growth runs through the cipher. */
export const PNET_PREGROW_BYTES = 32 * 1024 * 1024;
let pregrown = false;

/**
 * The very `xsalsa20` module instance @libp2p/pnet uses: resolved from pnet's own (real) package
 * directory, so a different copy elsewhere in node_modules can never be the one grown.
 */
function pnetCipherModule(): XSalsa20Factory {
  const require = createRequire(import.meta.url);
  const dirs = require.resolve.paths('@libp2p/pnet') ?? [];
  const found = dirs.map((dir) => join(dir, '@libp2p', 'pnet')).find((dir) => existsSync(dir));
  if (found === undefined) throw new Error('@libp2p/pnet is not installed');
  const fromPnet = createRequire(join(realpathSync(found), 'package.json'));
  return fromPnet('xsalsa20') as XSalsa20Factory;
}

/**
 * Grows pnet's cipher memory once per process (idempotent). Must run before the first pnet
 * connection is made; `createHost` calls it before `createLibp2p`. Leaves ~32 MiB of WASM
 * memory reserved (not resident) for the life of the process.
 */
export function pregrowPnetMemory(): void {
  if (pregrown) return;
  const xsalsa20 = pnetCipherModule();
  const cipher = xsalsa20(new Uint8Array(24), new Uint8Array(PSK_SIZE));
  const wasm = cipher._xor;
  if (typeof wasm?.realloc === 'function' && wasm._memory !== undefined) {
    // What `update()` of PNET_PREGROW_BYTES would grow to, without the keystream.
    wasm.realloc(wasm._memory.byteLength + PNET_PREGROW_BYTES);
  } else {
    const block = new Uint8Array(PNET_PREGROW_BYTES);
    cipher.update(block, block);
  }
  // Returns the cipher's slot to xsalsa20's pool (and wipes any scratch area used).
  cipher.finalize();
  pregrown = true;
}
