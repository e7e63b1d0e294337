/**
 * Reading what people hand the inspector and the replay tool — a bundle file in either form, a
 * genesis file or network id as the trust anchor, a time — with typed errors, so both CLIs (and
 * the web inspector) accept exactly the same inputs.
 */
import { fromHex, fromUtf8 } from '@liuhen/core';
import { encodeGenesis, genesisFromJson } from '@liuhen/governance';
import type { Bundle, BundleLimits } from './bundle.ts';
import { decodeBundle } from './bundle-cbor.ts';
import { bundleFromJson } from './bundle-json.ts';
import { TraceError } from './errors.ts';
import type { TrustAnchor } from './verify-governance.ts';

const firstNonSpace = (bytes: Uint8Array) =>
  bytes.find((b) => b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d);

/** A bundle file: the JSON rendering if it starts with "{", else the binary form. */
export function readBundle(bytes: Uint8Array, limits: Partial<BundleLimits> = {}): Bundle {
  if (firstNonSpace(bytes) === 0x7b) {
    let text: string;
    try {
      text = fromUtf8(bytes);
    } catch (cause) {
      throw new TraceError('BUNDLE_MALFORMED', 'the JSON rendering is not UTF-8', { cause });
    }
    return bundleFromJson(text);
  }
  return decodeBundle(bytes, limits);
}

/** A genesis file (canonical CBOR, or its JSON rendering) as the trust anchor. */
export function anchorFromGenesisFile(bytes: Uint8Array): TrustAnchor {
  if (firstNonSpace(bytes) !== 0x7b) return { genesis: bytes };
  try {
    // The JSON is a view; the anchor is the canonical encoding of what it says.
    return { genesis: encodeGenesis(genesisFromJson(fromUtf8(bytes))) };
  } catch (cause) {
    throw new TraceError('ANCHOR_INVALID', `not a genesis: ${(cause as Error).message}`, { cause });
  }
}

export function anchorFromNetworkId(hex: string): TrustAnchor {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new TraceError('ANCHOR_INVALID', 'a network id is 64 hex digits');
  return { networkId: fromHex(hex.toLowerCase()) };
}

/**
 * A time given by a person: milliseconds since the epoch, or an ISO 8601 date-time (a date alone
 * means its midnight UTC; a time without a zone is refused rather than guessed).
 */
export function parseTime(text: string): number {
  const trimmed = text.trim();
  if (/^\d{1,16}$/.test(trimmed)) return Number(trimmed);
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(trimmed);
  const zoned = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(trimmed);
  const ms = dateOnly || zoned ? Date.parse(dateOnly ? `${trimmed}T00:00:00Z` : trimmed) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new TraceError(
      'TIME_INVALID',
      `"${text}": give ms since the epoch or e.g. 2031-06-01T08:00:00+08:00`,
    );
  }
  return ms;
}

/** The node's bundle export (GET /v1/objects/{id}/bundle, docs/protocol.md §14.5): the request. */
export function bundleRequest(
  node: string,
  object: string,
  token?: string,
  options: { readonly attachments?: boolean } = {},
): { url: string; headers: Record<string, string> } {
  const url = new URL(
    `v1/objects/${encodeURIComponent(object)}/bundle`,
    node.endsWith('/') ? node : `${node}/`,
  );
  if (options.attachments === true) url.searchParams.set('attachments', '1');
  return {
    url: url.toString(),
    headers: {
      accept: 'application/cbor',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
  };
}

/**
 * The node's answer: 200 with `application/cbor` and the binary bundle; anything else is the API's
 * JSON error `{ "error": { "code", "message" } }`, returned for the caller to report.
 */
export function bundleResponse(
  status: number,
  contentType: string | null,
  body: Uint8Array,
): { bundle: Bundle; bytes: Uint8Array } | { error: { code: string; message: string } } {
  if (status === 200 && (contentType ?? '').split(';')[0]?.trim() === 'application/cbor') {
    return { bundle: decodeBundle(body), bytes: body };
  }
  let error = { code: status === 404 ? 'NOT_FOUND' : 'REQUEST_INVALID', message: `HTTP ${status}` };
  try {
    const parsed = JSON.parse(fromUtf8(body)) as { error?: { code?: unknown; message?: unknown } };
    if (typeof parsed.error?.code === 'string') {
      error = { code: parsed.error.code, message: String(parsed.error.message ?? error.message) };
    }
  } catch {
    // Not the API's error shape; the status says enough.
  }
  if (status === 200)
    error = {
      code: 'REQUEST_INVALID',
      message: `expected application/cbor, got ${contentType ?? 'nothing'}`,
    };
  return { error };
}
