/** A minimal HTTP client for the CLI's read and append commands against a running daemon. */
import { LiuhenError } from '@liuhen/core';

export interface Target {
  url: string;
  token: string;
}

async function send(target: Target, method: string, path: string, body?: unknown): Promise<Response> {
  try {
    return await fetch(new URL(path, target.url), {
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
}

/** The node's refusal as an error that carries the node's own code. */
function refusal(response: Response, json: { error?: { code: string; message: string } }): LiuhenError {
  const code = json.error?.code ?? 'REQUEST_INVALID';
  const error = new LiuhenError('REQUEST_INVALID', json.error?.message ?? `HTTP ${response.status}`);
  // Keep the node's own code, in the code and in the message: the CLI prints what the API said.
  Object.defineProperty(error, 'code', { value: code });
  error.message = `${code}: ${json.error?.message ?? `HTTP ${response.status}`}`;
  return error;
}

type ErrorBody = { error?: { code: string; message: string } };

export async function call<T>(target: Target, method: string, path: string, body?: unknown): Promise<T> {
  const response = await send(target, method, path, body);
  const json = (await response.json().catch(() => ({}))) as ErrorBody;
  if (!response.ok) throw refusal(response, json);
  return json as T;
}

/** GET of a binary resource (e.g. a bundle); a refusal is reported with the node's own code. */
export async function fetchBytes(target: Target, path: string): Promise<Uint8Array> {
  const response = await send(target, 'GET', path);
  if (!response.ok) throw refusal(response, (await response.json().catch(() => ({}))) as ErrorBody);
  return new Uint8Array(await response.arrayBuffer());
}
