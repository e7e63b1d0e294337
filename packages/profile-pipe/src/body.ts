/**
 * Body validation. Each kind's zod schema is compiled once; failures are rewritten into messages
 * a site engineer can act on: the field, what was expected (type, unit, range or values) and
 * what arrived. A quantity sent under another unit's name (`thicknessM` for `thicknessMm`) is
 * pointed at the right name and unit instead of being reported as merely unknown.
 */
import type { BodyCheck, BodyIssue, CborMap } from '@liuhen/core';
import { z } from 'zod';
import { PipeProfileError } from './errors.ts';
import { type BodyOf, type KindName, kindSpec } from './kinds/index.ts';
import type { KindSpec } from './kinds/spec.ts';
import { fieldStem, unitLabel } from './units.ts';

/** The subset of JSON Schema that zod emits for our shapes. */
export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema | false;
  prefixItems?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  unit?: string;
  description?: string;
  classification?: string;
}

interface Compiled {
  readonly plain: z.ZodType;
  readonly sealed: z.ZodType;
  readonly json: JsonSchema;
}

const compiledKinds = new Map<string, Compiled>();

export function jsonSchemaOf(spec: KindSpec): JsonSchema {
  return compile(spec).json;
}

/** Top-level fields classified restricted: they travel in the sealed section when sealing is used. */
export function restrictedFields(spec: KindSpec): string[] {
  const properties = compile(spec).json.properties ?? {};
  return Object.keys(properties).filter((k) => properties[k]?.classification === 'restricted');
}

function compile(spec: KindSpec): Compiled {
  const known = compiledKinds.get(spec.kind);
  if (known !== undefined) return known;
  const json = z.toJSONSchema(z.strictObject(spec.shape), { unrepresentable: 'any' }) as JsonSchema;
  const restricted = Object.keys(json.properties ?? {}).filter(
    (k) => json.properties?.[k]?.classification === 'restricted',
  );
  const refine = (body: unknown, ctx: z.RefinementCtx) =>
    spec.refine?.(body as never, (path, message) =>
      ctx.addIssue({ code: 'custom', path: [...path], message }),
    );
  const sealedShape = Object.fromEntries(
    Object.entries(spec.shape).map(([key, schema]) => [
      key,
      restricted.includes(key) ? (schema as z.ZodType).optional() : schema,
    ]),
  );
  const compiled = {
    plain: z.strictObject(spec.shape).superRefine(refine),
    sealed: z.strictObject(sealedShape).superRefine(refine),
    json,
  };
  compiledKinds.set(spec.kind, compiled);
  return compiled;
}

export interface BodyOptions {
  /** The entry has a sealed section: restricted fields may be absent from the plaintext body. */
  readonly sealed?: boolean;
}

export function checkBody(kind: string, body: CborMap, options: BodyOptions = {}): BodyCheck {
  const spec = kindSpec(kind);
  if (spec === undefined) return { ok: false, issues: [{ field: 'kind', message: `unknown kind ${kind}` }] };
  const { plain, sealed, json } = compile(spec);
  const result = (options.sealed ? sealed : plain).safeParse(body, { reportInput: true });
  if (result.success) return { ok: true };
  return { ok: false, issues: result.error.issues.flatMap((issue) => formatIssue(issue, json)) };
}

/** The typed body, or PIPE_BODY_INVALID naming the first field at fault. */
export function parseBody<K extends KindName>(kind: K, body: CborMap, options: BodyOptions = {}): BodyOf<K> {
  const check = checkBody(kind, body, options);
  if (!check.ok) {
    const first = check.issues[0] as BodyIssue;
    throw new PipeProfileError(
      'PIPE_BODY_INVALID',
      `${kind} ${check.issues.map((i) => i.message).join('; ')}`,
      first.field,
    );
  }
  return body as unknown as BodyOf<K>;
}

function fieldName(path: readonly PropertyKey[]): string {
  let out = 'body';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `.${String(p)}`;
  return out;
}

export function schemaAt(json: JsonSchema, path: readonly PropertyKey[]): JsonSchema | undefined {
  let node: JsonSchema | undefined = json;
  for (const p of path) {
    if (node === undefined) return undefined;
    if (typeof p === 'number')
      node = node.prefixItems?.[p] ?? (node.items === false ? undefined : node.items);
    else node = node.properties?.[String(p)];
  }
  return node;
}

function number(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(12)));
}

function range(node: JsonSchema): string {
  const unit = node.unit !== undefined && node.unit !== 'count' && node.unit !== 'ms' ? ` ${node.unit}` : '';
  if (node.minimum !== undefined && node.maximum !== undefined) {
    return `${number(node.minimum)}${unit} to ${number(node.maximum)}${unit}`;
  }
  if (node.minimum !== undefined) return `at least ${number(node.minimum)}${unit}`;
  if (node.maximum !== undefined) return `at most ${number(node.maximum)}${unit}`;
  return '';
}

/** What a field expects, in words: "a number in millimetres (mm), 0 mm to 1000 mm". */
export function expectation(node: JsonSchema | undefined): string {
  if (node === undefined) return 'a value';
  const about = node.description === undefined ? '' : ` (${node.description})`;
  if (node.enum !== undefined) return `one of ${node.enum.join(', ')}${about}`;
  switch (node.type) {
    case 'number':
    case 'integer': {
      const what = node.type === 'integer' ? 'a whole number' : 'a number';
      const unit = node.unit === undefined || node.unit === 'count' ? '' : ` in ${unitLabel(node.unit)}`;
      const bounds = range(node);
      return `${what}${unit}${bounds === '' ? '' : `, ${bounds}`}${about}`;
    }
    case 'string':
      return `text${node.format === undefined ? '' : ` (${node.format})`}${node.maxLength === undefined ? '' : ` of at most ${node.maxLength} characters`}${about}`;
    case 'boolean':
      return `true or false${about}`;
    case 'array':
      if (node.prefixItems !== undefined) {
        const unit = node.unit === undefined ? '' : ` in ${unitLabel(node.unit)}`;
        return `a pair ${node.format ?? ''}${unit}${about}`.replace('  ', ' ');
      }
      return `a list of ${node.minItems ?? 0} to ${node.maxItems ?? 'any number of'} items${about}`;
    case 'object':
      return `a map${about}`;
    default:
      return `a value${about}`;
  }
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Uint8Array) return 'bytes';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string')
    return `text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return Number.isInteger(value) ? `${value}` : `${number(value)}`;
  return String(value);
}

function unknownKey(field: string, key: string, parent: JsonSchema | undefined): BodyIssue {
  const known = Object.keys(parent?.properties ?? {});
  const stem = fieldStem(key).toLowerCase();
  const twin = known.find((k) => k !== key && fieldStem(k).toLowerCase() === stem);
  const node = twin === undefined ? undefined : parent?.properties?.[twin];
  const hint =
    twin === undefined
      ? ''
      : node?.unit !== undefined && node.unit !== 'count'
        ? `; this quantity is recorded as ${twin}, in ${unitLabel(node.unit)}`
        : `; did you mean ${twin}?`;
  return { field: `${field}.${key}`, message: `${field}.${key}: unknown field${hint}` };
}

function formatIssue(issue: z.core.$ZodIssue, json: JsonSchema): BodyIssue[] {
  const field = fieldName(issue.path);
  const node = schemaAt(json, issue.path);
  const input = (issue as { input?: unknown }).input;
  const at = (message: string): BodyIssue[] => [{ field, message: `${field}: ${message}` }];
  // A field that is absent fails with its type's or its values' code; either way it is missing.
  if (input === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_value')) {
    return at(`missing; expected ${expectation(node)}`);
  }
  switch (issue.code) {
    case 'invalid_type':
      return at(`expected ${expectation(node)}, got ${describeValue(input)}`);
    case 'too_small':
    case 'too_big':
      if (issue.origin === 'number' || issue.origin === 'int') {
        return at(
          `${describeValue(input)}${node?.unit && node.unit !== 'count' && node.unit !== 'ms' ? ` ${node.unit}` : ''} is out of range; expected ${expectation(node)}`,
        );
      }
      if (issue.origin === 'array') {
        return at(`has ${Array.isArray(input) ? input.length : '?'} items; expected ${expectation(node)}`);
      }
      return at(`has the wrong length; expected ${expectation(node)}`);
    case 'invalid_value':
      return at(
        `expected one of ${issue.values.map((v) => String(v)).join(', ')}, got ${describeValue(input)}`,
      );
    case 'invalid_format':
      return at(`expected ${expectation(node)}, got ${describeValue(input)}`);
    case 'unrecognized_keys':
      return issue.keys.map((key) => unknownKey(field, key, node));
    default:
      return at(issue.message);
  }
}
