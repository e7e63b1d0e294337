/** A minimal HTTP client for the CLI's read and append commands against a running daemon. */
import { LiuhenError } from '@liuhen/core';

export interface Target {
  url: string;
  token: string;
}

export async function call<T>(target: Target, method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(new URL(path, target.url), {
      method,
      headers: {
        authorization: `Bearer ${target.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (cause) {
    throw new LiuhenError(
      'CONFIG_INVALID',
      `cannot reach the node at ${target.url}: ${(cause as Error).message}`,
      { cause },
    );
  }
  const json = (await response.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  if (!response.ok) {
    const code = json.error?.code ?? 'REQUEST_INVALID';
    const error = new LiuhenError('REQUEST_INVALID', json.error?.message ?? `HTTP ${response.status}`);
    // Keep the node's own code, in the code and in the message: the CLI prints what the API said.
    Object.defineProperty(error, 'code', { value: code });
    error.message = `${code}: ${json.error?.message ?? `HTTP ${response.status}`}`;
    throw error;
  }
  return json as T;
}

/** GET of a binary resource (e.g. a bundle); a refusal is reported with the node's own code. */
export async function fetchBytes(target: Target, path: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(new URL(path, target.url), {
      headers: { authorization: `Bearer ${target.token}` },
    });
  } catch (cause) {
    throw new LiuhenError(
      'CONFIG_INVALID',
      `cannot reach the node at ${target.url}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
  if (!response.ok) {
    const json = (await response.json().catch(() => ({}))) as { error?: { code: string; message: string } };
    const code = json.error?.code ?? 'REQUEST_INVALID';
    const error = new LiuhenError('REQUEST_INVALID', json.error?.message ?? `HTTP ${response.status}`);
    Object.defineProperty(error, 'code', { value: code });
    error.message = `${code}: ${json.error?.message ?? `HTTP ${response.status}`}`;
    throw error;
  }
  return new Uint8Array(await response.arrayBuffer());
}
