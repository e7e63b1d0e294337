/** Descriptors of the catalogue for the node, the inspector and the generated docs. */
import type {
  FieldClassification,
  FieldDescriptor,
  KindDescriptor,
  ObjectTypeDescriptor,
  RuleDescriptor,
} from '@liuhen/core';
import { type JsonSchema, jsonSchemaOf } from './body.ts';
import { OBJECT_TYPE_NAMES, OBJECT_TYPES } from './ids.ts';
import { KIND_SPECS } from './kinds/index.ts';
import type { KindSpec } from './kinds/spec.ts';
import { ROLE_CODES } from './roles.ts';
import { RULES } from './rules/index.ts';

function typeName(node: JsonSchema): string {
  if (node.enum !== undefined) return 'enum';
  if (node.type === 'array')
    return node.prefixItems !== undefined
      ? `[${node.prefixItems.map(typeName).join(', ')}]`
      : `list of ${node.items ? typeName(node.items) : 'any'}`;
  if (node.type === 'string') return 'text';
  if (node.type === 'integer') return 'integer';
  return node.type ?? 'any';
}

function fields(
  node: JsonSchema,
  prefix: string,
  inherited: FieldClassification,
  out: FieldDescriptor[],
): FieldDescriptor[] {
  const required = new Set(node.required ?? []);
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const path = `${prefix}${key}`;
    const classification = (child.classification as FieldClassification | undefined) ?? inherited;
    const isList = child.type === 'array' && child.prefixItems === undefined && child.items;
    const range =
      child.minimum !== undefined || child.maximum !== undefined
        ? child
        : child.prefixItems?.[0] !== undefined
          ? child.prefixItems[0]
          : isList
            ? { minimum: child.minItems, maximum: child.maxItems }
            : {};
    out.push({
      path,
      type: typeName(child),
      ...(child.unit === undefined || child.unit === 'count' ? {} : { unit: child.unit }),
      ...(range.minimum === undefined || Math.abs(range.minimum) > 1e15 ? {} : { min: range.minimum }),
      ...(range.maximum === undefined || Math.abs(range.maximum) > 1e15 ? {} : { max: range.maximum }),
      ...(child.enum === undefined ? {} : { values: child.enum.map(String) }),
      ...(child.type === 'string' && child.format !== undefined ? { format: child.format } : {}),
      ...(child.type === 'string' && child.maxLength !== undefined ? { maxLength: child.maxLength } : {}),
      required: required.has(key),
      classification,
      description: child.description ?? '',
    });
    if (child.type === 'object') fields(child, `${path}.`, classification, out);
    if (isList && child.items && child.items.type === 'object')
      fields(child.items, `${path}[].`, classification, out);
  }
  return out;
}

export function describeKind(spec: KindSpec): KindDescriptor {
  return {
    kind: spec.kind,
    stage: spec.stage,
    summary: spec.summary,
    objectTypes: spec.objects,
    signers: spec.signers === 'any' ? ROLE_CODES : spec.signers,
    cosigners: spec.cosigners,
    witnesses: spec.witnesses,
    attachments: spec.attachments,
    fields: fields(jsonSchemaOf(spec), '', 'public', []),
  };
}

export const KIND_DESCRIPTORS: readonly KindDescriptor[] = KIND_SPECS.map((s) =>
  describeKind(s as unknown as KindSpec),
);

const RANK: Record<FieldClassification, number> = { public: 0, internal: 1, restricted: 2 };

/**
 * The classification of a top-level body field: the highest of its parts (`points[].xM` makes
 * `points` restricted). Undefined for a field the kind does not have.
 */
export function fieldClassification(kind: string, field: string): FieldClassification | undefined {
  let highest: FieldClassification | undefined;
  for (const f of KIND_DESCRIPTORS.find((k) => k.kind === kind)?.fields ?? []) {
    if (/^[^.[]+/.exec(f.path)?.[0] !== field) continue;
    if (highest === undefined || RANK[f.classification] > RANK[highest]) highest = f.classification;
  }
  return highest;
}

export const OBJECT_TYPE_DESCRIPTORS: readonly ObjectTypeDescriptor[] = OBJECT_TYPE_NAMES.map((type) => ({
  type,
  prefix: OBJECT_TYPES[type].prefix,
  aliasExample: OBJECT_TYPES[type].example,
  aliasPattern: OBJECT_TYPES[type].pattern.source,
  description: OBJECT_TYPES[type].description,
}));

export const RULE_DESCRIPTORS: readonly RuleDescriptor[] = RULES.map(
  ({ code, title, severity, standard, clause, explanation, onAppend, onAppendReason, deadline }) => ({
    code,
    title,
    severity,
    standard,
    clause,
    explanation,
    onAppend,
    onAppendReason,
    deadline,
  }),
);
