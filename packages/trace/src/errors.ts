/**
 * Failures of the trace package itself — reading a bundle, asking a source, replaying — each with a
 * stable code. Same convention as `LiuhenError` in @liuhen/core and `GovernanceError`: codes are
 * never renamed, only added. What verification finds wrong with a trace is not an error but a
 * finding (findings.ts): a verifier reports every problem, it does not stop at the first.
 */
export const TRACE_ERROR_CODES = {
  BUNDLE_TOO_LARGE: 'the bundle is larger than the permitted size',
  BUNDLE_MALFORMED: 'the bundle does not have the required shape',
  BUNDLE_VERSION: 'the bundle is of an unsupported format version',
  BUNDLE_LIMIT: 'the bundle exceeds a limit on its parts (logs, checkpoints, entries, proofs, attachments)',
  SOURCE_INCOMPLETE: 'the trace source could not supply something the trace needs',
  OBJECT_NOT_FOUND: 'the source holds no entries of the object',
  TIME_INVALID: 'the time is not an ISO 8601 date-time or a number of milliseconds',
  STEP_INVALID: 'the replay step is out of range',
  ANCHOR_INVALID: 'the trust anchor (genesis or network id) is malformed',
} as const;

export type TraceErrorCode = keyof typeof TRACE_ERROR_CODES;

export class TraceError extends Error {
  override readonly name = 'TraceError';
  readonly code: TraceErrorCode;

  constructor(code: TraceErrorCode, detail?: string, options?: { cause?: unknown }) {
    super(detail ? `${code}: ${detail}` : `${code}: ${TRACE_ERROR_CODES[code]}`, options);
    this.code = code;
  }
}

export function isTraceError(value: unknown, code?: TraceErrorCode): value is TraceError {
  return value instanceof TraceError && (code === undefined || value.code === code);
}

/** The stable code of any typed error of ours (core, governance, trace), else undefined. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' ? code : undefined;
}
