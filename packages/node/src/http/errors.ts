/** The HTTP status for each stable error code; the body always carries the code itself. */
import type { ErrorCode } from '@liuhen/core';

const STATUS: Partial<Record<string, number>> = {
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  OPERATOR_UNKNOWN: 403,
  OPERATOR_REVOKED: 403,
  OPERATOR_EXPIRED: 403,
  OPERATOR_NOT_YET_VALID: 403,
  ROLE_NOT_HELD: 403,
  ROLE_NOT_PERMITTED: 403,
  UNKNOWN_ORG: 403,
  NOT_FOUND: 404,
  BLOB_NOT_FOUND: 404,
  ENTRY_DUPLICATE: 409,
  ENTRY_TOO_LARGE: 413,
  BLOB_TOO_LARGE: 413,
  CBOR_TOO_LARGE: 413,
  NODE_BUSY: 503,
  NODE_CLOSED: 503,
  STORAGE_FAILED: 503,
  STORE_UNAVAILABLE: 503,
  BLOB_CORRUPT: 500,
  STORE_CORRUPT: 500,
};

export function httpStatus(code: ErrorCode | string): number {
  return STATUS[code] ?? 400;
}
