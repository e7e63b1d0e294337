/**
 * The profile's own stable error codes, in the style of core's catalogue: a refused append and a
 * structural finding print one of these (rule violations print the rule code instead). Codes are
 * never renamed, only added.
 */
export const PIPE_ERROR_CODES = {
  PIPE_KIND_UNKNOWN: 'the entry kind is not defined by profile pipe/1',
  PIPE_OBJECT_INVALID:
    'the object id is not a pipe/1 primary id, or the kind may not be recorded on that object type',
  PIPE_ROLE_NOT_PERMITTED: 'the role may not sign this kind (or not for the party the body names)',
  PIPE_BODY_INVALID: 'the body does not match the schema of its kind',
  PIPE_REFS_INVALID: 'the refs the kind requires are missing, malformed or point at the wrong kind',
  PIPE_ALIAS_INVALID: 'the alias does not follow the scheme of the object type',
  PIPE_CLASSIFICATION:
    'a restricted field is in the plain body (restricted fields travel only in the sealed section, whatever the entry is classified), or a field that is not restricted is sealed',
} as const;

export type PipeErrorCode = keyof typeof PIPE_ERROR_CODES;

export class PipeProfileError extends Error {
  readonly code: PipeErrorCode;
  /** The field at fault, e.g. `body.compactionPct`, when there is one. */
  readonly field: string | undefined;

  constructor(code: PipeErrorCode, detail?: string, field?: string) {
    super(detail ? `${code}: ${detail}` : `${code}: ${PIPE_ERROR_CODES[code]}`);
    this.name = 'PipeProfileError';
    this.code = code;
    this.field = field;
  }
}

export function isPipeProfileError(value: unknown, code?: PipeErrorCode): value is PipeProfileError {
  return value instanceof PipeProfileError && (code === undefined || value.code === code);
}
