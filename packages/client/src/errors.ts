/**
 * Every failure the client reports is a `LiuhenClientError` with a stable code, so a business
 * system can branch on `error.code` without parsing messages. A refusal by the node is a
 * `LiuhenApiError`: the same, plus the HTTP status, and the code is the API's own
 * (`{"error": {"code", "message"}}`, docs/protocol.md §14.5), passed through verbatim. Failures
 * found before anything is sent (a body that does not match its kind's schema, an entry that
 * does not encode) carry the code the local check gave, from the same catalogues the node uses.
 */
import type { ErrorCode } from '@liuhen/core';
import type { GovernanceErrorCode } from '@liuhen/governance';
import type { PipeErrorCode } from '@liuhen/profile-pipe';
import type { TraceErrorCode } from '@liuhen/trace';

/** Codes only the client gives: what went wrong between it and the node. */
export const CLIENT_ERROR_CODES = {
  CLIENT_NETWORK_FAILED: 'the node could not be reached (connection refused, reset, DNS, aborted)',
  CLIENT_RESPONSE_INVALID: "the node's answer is not what the API documents",
  CLIENT_NETWORK_MISMATCH: 'the node serves another network than the genesis the client trusts',
  CLIENT_ENTRY_MISMATCH: 'an entry the node returned does not match its id, signature or proof',
} as const;

export type ClientErrorCode = keyof typeof CLIENT_ERROR_CODES;

/**
 * Every stable code a caller may see: the node's (core and governance catalogues, and the pipe
 * profile's refusals), the trace package's (bundles), and the client's own. The type stays open
 * (`string & {}`) because a newer node may answer a code this client does not know yet; it is
 * passed through, never mapped to something else.
 */
export type KnownErrorCode =
  | ErrorCode
  | GovernanceErrorCode
  | PipeErrorCode
  | TraceErrorCode
  | ClientErrorCode;
export type LiuhenErrorCode = KnownErrorCode | (string & {});

/** One reason an entry was refused, by the profile here or by the node (422). */
export interface Refusal {
  readonly code: LiuhenErrorCode;
  readonly message: string;
  /** The field at fault, e.g. `body.compactionPct`. */
  readonly field?: string;
}

export interface ErrorDetails {
  readonly cause?: unknown;
  /** The first refusal's field, when the failure is about one field of an entry. */
  readonly field?: string;
  /** Every refusal, when an entry was refused for several reasons. */
  readonly refusals?: readonly Refusal[];
}

export class LiuhenClientError extends Error {
  override readonly name: string = 'LiuhenClientError';
  readonly code: LiuhenErrorCode;
  readonly field: string | undefined;
  readonly refusals: readonly Refusal[];

  constructor(code: LiuhenErrorCode, message: string, details: ErrorDetails = {}) {
    super(`${code}: ${message}`, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.field = details.field;
    this.refusals = details.refusals ?? [];
  }
}

/**
 * The node refused the request: `status` is the HTTP status, `code` the API's stable code; an
 * entry refused by the network's profile (422) also carries `field` and every refusal.
 */
export class LiuhenApiError extends LiuhenClientError {
  override readonly name: string = 'LiuhenApiError';
  readonly status: number;
  /** The node's message, without the code prefix. */
  readonly detail: string;
  /** Method and path of the request, e.g. `POST /v1/signed-entries`. */
  readonly request: string;

  constructor(
    code: LiuhenErrorCode,
    status: number,
    detail: string,
    request: string,
    details: Omit<ErrorDetails, 'cause'> = {},
  ) {
    super(code, `${detail} (HTTP ${status}, ${request})`, details);
    this.status = status;
    this.detail = detail;
    this.request = request;
  }
}

export function isLiuhenClientError(value: unknown, code?: LiuhenErrorCode): value is LiuhenClientError {
  return value instanceof LiuhenClientError && (code === undefined || value.code === code);
}

export function isLiuhenApiError(value: unknown, code?: LiuhenErrorCode): value is LiuhenApiError {
  return value instanceof LiuhenApiError && (code === undefined || value.code === code);
}

/**
 * A typed error of ours from a local step (core's LiuhenError, PipeProfileError, TraceError,
 * GovernanceError all carry a string `code`) becomes a LiuhenClientError with the same code;
 * anything else is not ours to classify and is rethrown as it is.
 */
export function fromLocal(error: unknown): never {
  const code = (error as { code?: unknown } | null)?.code;
  if (error instanceof Error && !(error instanceof LiuhenClientError) && typeof code === 'string') {
    const prefix = `${code}: `;
    const message = error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
    const field = (error as { field?: unknown }).field;
    throw new LiuhenClientError(code, message, {
      cause: error,
      ...(typeof field === 'string' ? { field } : {}),
    });
  }
  throw error;
}
