/**
 * Structural checks: is this a well-formed pipe/1 record at all? Unknown kind, wrong object type,
 * a role that may not sign the kind, a body that fails its schema, missing or wrong citations,
 * restricted fields in plain. These always refuse an append — a malformed record is not evidence
 * of anything — and are reported as findings when a trace is evaluated.
 *
 * Restricted fields travel only in the sealed section (DESIGN §11): a plain body is replicated
 * to every node in clear, so a restricted field in it is refused whatever the entry's
 * classification says. A reader who opened the sealed section also has its fields checked: they
 * must be restricted fields of the kind, not repeat a plain one, and complete the body's schema.
 */
import { type CborMap, toHex } from '@liuhen/core';
import { checkBody, restrictedFields } from './body.ts';
import type { PipeErrorCode } from './errors.ts';
import { isAlias, lotCode, OBJECT_TYPES, parseLotId, parseObjectId, parseSegmentAlias } from './ids.ts';
import { type BodyOf, kindSpec } from './kinds/index.ts';
import type { KindSpec } from './kinds/spec.ts';
import { isRole, LEAD_ROLES } from './roles.ts';
import { noteBodyValid, type TraceNode, type TraceView } from './trace-view.ts';

export interface StructureIssue {
  readonly code: PipeErrorCode;
  readonly message: string;
  readonly field?: string;
}

/** Roles of the parties that report before completion acceptance. */
const REPORT_ROLES = { survey: 'SUR', design: 'DES', contractor: 'PM' } as const;

export function mayRoleSign(spec: KindSpec, role: string): boolean {
  return spec.signers === 'any' ? isRole(role) : (spec.signers as readonly string[]).includes(role);
}

export function checkStructure(trace: TraceView, node: TraceNode): StructureIssue[] {
  const { entry } = node;
  const spec = kindSpec(entry.kind);
  if (spec === undefined) {
    return [{ code: 'PIPE_KIND_UNKNOWN', message: `${entry.kind} is not a pipe/1 kind` }];
  }
  const issues: StructureIssue[] = [];
  const parsed = parseObjectId(entry.object);
  if (parsed === undefined) {
    issues.push({ code: 'PIPE_OBJECT_INVALID', message: `${entry.object} is not a pipe/1 primary id` });
  } else if (!spec.objects.includes(parsed.type)) {
    issues.push({
      code: 'PIPE_OBJECT_INVALID',
      message: `${entry.kind} is recorded on ${spec.objects.join(' or ')} objects, not on a ${parsed.type}`,
    });
  }
  if (!mayRoleSign(spec, entry.role)) {
    issues.push({
      code: 'PIPE_ROLE_NOT_PERMITTED',
      message: `role ${entry.role} may not sign ${entry.kind}; signers: ${spec.signers === 'any' ? 'any role' : spec.signers.join(', ')}`,
    });
  }
  issues.push(...plainRestricted(spec, entry.body));
  const plain = checkBody(entry.kind, entry.body, { sealed: entry.sealed !== undefined });
  const sealed = plain.ok && node.sealed === 'opened' ? sealedIssues(spec, node) : [];
  // Rules ask for this body again when later entries are judged: remember the answer.
  noteBodyValid(node, plain.ok && !sealed.some((i) => i.code === 'PIPE_BODY_INVALID'));
  issues.push(...sealed);
  if (!plain.ok) {
    for (const issue of plain.issues) {
      issues.push({
        code: 'PIPE_BODY_INVALID',
        message: `${entry.kind} ${issue.message}`,
        field: issue.field,
      });
    }
    return issues;
  }
  if (sealed.some((i) => i.code === 'PIPE_BODY_INVALID')) return issues;
  issues.push(...consistency(trace, node), ...citations(trace, node, spec));
  return issues;
}

function plainRestricted(spec: KindSpec, body: CborMap): StructureIssue[] {
  const plain = restrictedFields(spec).filter((f) => f in body);
  if (plain.length === 0) return [];
  const one = plain.length === 1;
  return [
    {
      code: 'PIPE_CLASSIFICATION',
      message: `${plain.map((f) => `body.${f}`).join(', ')} ${one ? 'is' : 'are'} restricted and may travel only in the sealed section, never in plain, whatever the entry is classified; seal ${one ? 'it' : 'them'}`,
      field: `body.${plain[0]}`,
    },
  ];
}

/** The opened sealed fields: restricted fields of the kind, not repeating plain ones, completing the body. */
function sealedIssues(spec: KindSpec, node: TraceNode): StructureIssue[] {
  const opened = Object.keys(node.unsealed ?? {});
  const restricted = restrictedFields(spec);
  const out: StructureIssue[] = [];
  const repeated = opened.filter((f) => f in node.entry.body);
  for (const f of repeated) {
    out.push({
      code: 'PIPE_BODY_INVALID',
      field: `sealed.${f}`,
      message: `${spec.kind} sealed.${f}: repeats a field of the plain body`,
    });
  }
  const unrestricted = opened.filter((f) => !restricted.includes(f) && !repeated.includes(f));
  if (unrestricted.length > 0) {
    const one = unrestricted.length === 1;
    out.push({
      code: 'PIPE_CLASSIFICATION',
      field: `sealed.${unrestricted[0]}`,
      message: `${unrestricted.map((f) => `sealed.${f}`).join(', ')} ${one ? 'is' : 'are'} not restricted in ${spec.kind} and belong${one ? 's' : ''} in the plain body`,
    });
  }
  const whole = checkBody(spec.kind, node.body);
  if (!whole.ok) {
    for (const issue of whole.issues) {
      out.push({
        code: 'PIPE_BODY_INVALID',
        message: `${spec.kind} (with its sealed fields) ${issue.message}`,
        field: issue.field,
      });
    }
  }
  return out;
}

function consistency(trace: TraceView, node: TraceNode): StructureIssue[] {
  const { entry } = node;
  const parsed = parseObjectId(entry.object);
  const out: StructureIssue[] = [];
  const fail = (code: PipeErrorCode, field: string, message: string) =>
    out.push({ code, field, message: `${field}: ${message}` });
  switch (entry.kind) {
    case 'party.lead-appointed': {
      const body = trace.body(node, 'party.lead-appointed') as BodyOf<'party.lead-appointed'>;
      const role = LEAD_ROLES[body.party];
      if (entry.role !== role) {
        fail(
          'PIPE_ROLE_NOT_PERMITTED',
          'body.party',
          `the ${body.party} lead signs as ${role}, not ${entry.role}`,
        );
      }
      break;
    }
    case 'acceptance.party-report': {
      const body = trace.body(node, 'acceptance.party-report') as BodyOf<'acceptance.party-report'>;
      const role = REPORT_ROLES[body.party];
      if (entry.role !== role) {
        fail(
          'PIPE_ROLE_NOT_PERMITTED',
          'body.party',
          `the ${body.party} report is signed as ${role}, not ${entry.role}`,
        );
      }
      break;
    }
    case 'project.registered': {
      const body = trace.body(node, 'project.registered') as BodyOf<'project.registered'>;
      if (parsed !== undefined && body.permitNo !== parsed.token) {
        fail('PIPE_BODY_INVALID', 'body.permitNo', `${body.permitNo} is not the permit of ${entry.object}`);
      }
      break;
    }
    case 'acceptance.lot': {
      const body = trace.body(node, 'acceptance.lot') as BodyOf<'acceptance.lot'>;
      const lot = parseLotId(entry.object);
      if (lot !== undefined && body.code !== lotCode(lot)) {
        fail(
          'PIPE_BODY_INVALID',
          'body.code',
          `${body.code} is not the code of ${entry.object} (${lotCode(lot)})`,
        );
      }
      break;
    }
    case 'design.issued':
    case 'design.revised': {
      const body = entry.body as { utility: string };
      const segment = parsed === undefined ? undefined : parseSegmentAlias(parsed.token);
      if (segment !== undefined && segment.utility !== body.utility) {
        fail(
          'PIPE_BODY_INVALID',
          'body.utility',
          `${body.utility} differs from the segment's utility ${segment.utility}`,
        );
      }
      break;
    }
    case 'object.alias': {
      const body = trace.body(node, 'object.alias') as BodyOf<'object.alias'>;
      if (parsed !== undefined && !isAlias(parsed.type, body.alias)) {
        fail(
          'PIPE_ALIAS_INVALID',
          'body.alias',
          `"${body.alias}" is not a ${parsed.type} alias (e.g. ${OBJECT_TYPES[parsed.type].example})`,
        );
      }
      break;
    }
    case 'inspection.hidden-works-accepted': {
      const body = trace.body(
        node,
        'inspection.hidden-works-accepted',
      ) as BodyOf<'inspection.hidden-works-accepted'>;
      const hashes = new Set(entry.attachments.map((a) => toHex(a.sha256)));
      body.evidence.forEach((ev, i) => {
        if (!hashes.has(ev.attachment)) {
          fail('PIPE_BODY_INVALID', `body.evidence[${i}].attachment`, 'names no attachment of the entry');
        }
      });
      break;
    }
  }
  return out;
}

function citations(trace: TraceView, node: TraceNode, spec: KindSpec): StructureIssue[] {
  const out: StructureIssue[] = [];
  const fail = (message: string) => out.push({ code: 'PIPE_REFS_INVALID', message, field: 'refs' });
  for (const ref of spec.refs) {
    const cited = node.entry.refs.filter(
      (r) => r.rel === ref.rel && (ref.to === 'entry' ? 'entry' in r : 'object' in r),
    );
    if (cited.length < ref.min || cited.length > ref.max) {
      fail(
        `${spec.kind} cites ${cited.length} ${ref.to} ref(s) with rel "${ref.rel}" (${ref.description}); expected ${ref.min === ref.max ? ref.min : `${ref.min} to ${ref.max}`}`,
      );
      continue;
    }
    for (const r of cited) {
      if ('object' in r) {
        const type = parseObjectId(r.object)?.type;
        if (type === undefined || !ref.targets.includes(type)) {
          fail(`ref "${ref.rel}" must name a ${ref.targets.join(' or ')} object, not ${r.object}`);
        }
        continue;
      }
      const target = trace.get(r.entry);
      if (target === undefined) {
        // An absent target is the trace's completeness question, except for an attestation,
        // which means nothing without the entry it endorses.
        if (spec.kind === 'attest') fail(`the attested entry ${toHex(r.entry)} is not known`);
        continue;
      }
      if (ref.targets.length > 0 && !ref.targets.includes(target.entry.kind)) {
        fail(`ref "${ref.rel}" must cite ${ref.targets.join(' or ')}, not ${target.entry.kind}`);
      }
      if (spec.kind === 'attest' && target.entry.kind === 'attest')
        fail('an attestation cannot attest another attestation');
      if (ref.sameObject && target.entry.object !== node.entry.object) {
        fail(`ref "${ref.rel}" must cite an entry of the same object, not of ${target.entry.object}`);
      }
    }
  }
  return out;
}
