/// <reference types="node" />
/**
 * Where an offline tool's evidence and trust come from: a bundle file (either form) or a node's
 * bundle export, and the genesis file or network id to verify against. liuhen-inspect and
 * liuhen-replay read their inputs here; decoding the bundle is the caller's (@liuhen/trace).
 * Failures to reach or read an input are `UsageError`s, which those tools report as environment
 * errors (exit 2): they are the user's to fix, unlike evidence that arrives and fails.
 */
import { readFile } from 'node:fs/promises';
import {
  anchorFromGenesisFile,
  anchorFromNetworkId,
  bundleRequest,
  bundleResponse,
  type TrustAnchor,
} from '@liuhen/trace';

/** A failure the user must fix: contradictory arguments, an unreachable node, an unreadable file. */
export class UsageError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = 'UsageError';
    this.code = code;
  }
}

export interface SourceOptions {
  readonly node?: string;
  readonly token?: string;
  readonly bundle?: string;
}

export function requireOneSource(o: SourceOptions): void {
  if ((o.node === undefined) === (o.bundle === undefined)) {
    throw new UsageError('USAGE', 'give exactly one of --node URL or --bundle FILE');
  }
}

export async function readInput(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw new UsageError('FILE_UNREADABLE', `cannot read ${path}: ${(error as Error).message}`);
  }
}

/** The bundle bytes exported by a node; the node's own error code on refusal. */
export async function fetchBundle(
  node: string,
  object: string,
  token: string | undefined,
  attachments = false,
): Promise<Uint8Array> {
  const { url, headers } = bundleRequest(node, object, token, { attachments });
  let response: Response;
  try {
    response = await fetch(url, { headers, signal: AbortSignal.timeout(120_000) });
  } catch (error) {
    throw new UsageError('NODE_UNREACHABLE', `cannot reach the node at ${node}: ${(error as Error).message}`);
  }
  const body = new Uint8Array(await response.arrayBuffer());
  const answer = bundleResponse(response.status, response.headers.get('content-type'), body);
  if ('error' in answer)
    throw new UsageError(answer.error.code, `the node answered: ${answer.error.message}`);
  return answer.bytes;
}

/** The bundle bytes from wherever the options say; decoding is left to the caller. */
export async function loadBundleBytes(object: string, o: SourceOptions): Promise<Uint8Array> {
  requireOneSource(o);
  if (o.bundle !== undefined) return readInput(o.bundle);
  return fetchBundle(o.node as string, object, o.token ?? process.env.LIUHEN_TOKEN);
}

export async function loadAnchor(
  o: { genesis?: string | undefined; networkId?: string | undefined },
  required: boolean,
): Promise<TrustAnchor | undefined> {
  if (o.genesis !== undefined && o.networkId !== undefined) {
    throw new UsageError('USAGE', 'give one of --genesis FILE or --network-id HEX, not both');
  }
  if (o.genesis !== undefined) return anchorFromGenesisFile(await readInput(o.genesis));
  if (o.networkId !== undefined) return anchorFromNetworkId(o.networkId);
  if (required) throw new UsageError('USAGE', 'say what to trust: --genesis FILE or --network-id HEX');
  return undefined;
}
