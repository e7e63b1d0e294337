/**
 * docs/protocol.md read as an independent implementer reads it: values found by the text around
 * them (a fenced block after a label, an inline match), and the primitives its worked examples
 * need, from node:crypto. Imports nothing of Liuhen's, so the tests using it check the document
 * against the document's rules alone.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const PROTOCOL_DOC = fileURLToPath(new URL('../../docs/protocol.md', import.meta.url));

export function readProtocolDoc(): string {
  return readFileSync(PROTOCOL_DOC, 'utf8');
}

export const sha256 = (...parts: Buffer[]): Buffer =>
  createHash('sha256').update(Buffer.concat(parts)).digest();

/** A raw 32-byte Ed25519 public key as node:crypto takes it (SPKI DER). */
export const ed25519Key = (raw: Buffer): KeyObject =>
  createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]),
    format: 'der',
    type: 'spki',
  });

export interface DocText {
  /** The content of the first fenced block after `label`. */
  fenceAfter(label: string): string;
  /** That block as hex, whitespace ignored. */
  hexAfter(label: string): Buffer;
  /** The first capture group of `pattern`'s first match. */
  inline(pattern: RegExp): string;
}

/** Readers over `text` (the whole document, or a section of it); each throws when it finds nothing. */
export function docText(text: string): DocText {
  const fenceAfter = (label: string) => {
    const at = text.indexOf(label);
    if (at < 0) throw new Error(`label not found: ${label}`);
    const fence = text.indexOf('```\n', at) + 4;
    return text.slice(fence, text.indexOf('\n```', fence));
  };
  return {
    fenceAfter,
    hexAfter: (label) => Buffer.from(fenceAfter(label).replace(/\s/g, ''), 'hex'),
    inline: (pattern) => {
      const m = pattern.exec(text);
      if (!m?.[1]) throw new Error(`not found: ${pattern}`);
      return m[1];
    },
  };
}
