/**
 * P-LEADS: the five leads and the reviewed drawings before works start; a replaced lead signs
 * again only after re-appointment. Whether someone was replaced is a matter of time, like a
 * revoked certificate; a re-appointment counts only if it is in the signature's ancestry.
 */
import { toHex } from '@liuhen/core';
import { personOf, samePerson } from '../operators.ts';
import { LEAD_ONLY_ROLES, partyOfLeadRole, RESPONSIBLE_PARTIES } from '../roles.ts';
import type { TraceNode } from '../trace-view.ts';
import { combine, short } from './helpers.ts';
import type { Rule, RuleContext, Violation } from './types.ts';

/** Kinds a designer signs in the design party's lead capacity. */
const DESIGN_LEAD_ACTS = new Set([
  'acceptance.party-report',
  'acceptance.completion',
  'party.lead-appointed',
]);

function startConditions(ctx: RuleContext, node: TraceNode): Violation | undefined {
  if (node.entry.kind !== 'construction.started') return undefined;
  const { trace } = ctx;
  const missing = RESPONSIBLE_PARTIES.filter(
    (party) => trace.ancestors(node, 'party.lead-appointed', (_, b) => b.party === party).length === 0,
  );
  const reviewed = trace.ancestors(node, 'design.review-passed').length > 0;
  if (missing.length === 0 && reviewed) return undefined;
  const parts = [
    ...(missing.length === 0 ? [] : [`no lead appointed for ${missing.join(', ')}`]),
    ...(reviewed ? [] : ['no design.review-passed']),
  ];
  return { message: `construction started with ${parts.join(' and ')} in its ancestry` };
}

function leadCapacity(ctx: RuleContext, node: TraceNode): boolean {
  const { role, kind } = node.entry;
  if ((LEAD_ONLY_ROLES as readonly string[]).includes(role)) return true;
  if (role !== 'DES') return false;
  if (DESIGN_LEAD_ACTS.has(kind)) return true;
  return (
    kind === 'attest' && ctx.trace.refTargets(node, 'attests').some((t) => DESIGN_LEAD_ACTS.has(t.entry.kind))
  );
}

function replacedLead(ctx: RuleContext, node: TraceNode): Violation | undefined {
  const party = partyOfLeadRole(node.entry.role);
  if (party === undefined || !leadCapacity(ctx, node)) return undefined;
  const { trace } = ctx;
  const signer = personOf(ctx.operators, node.entry);
  const appointments = trace.ofKind('party.lead-appointed').filter((a) => {
    const body = trace.body(a, 'party.lead-appointed');
    return (
      a !== node &&
      body?.party === party &&
      (trace.isAncestor(a, node) || (a.entry.time < node.entry.time && a.index < node.index))
    );
  });
  const asLead = (a: TraceNode) => {
    const body = trace.body(a, 'party.lead-appointed');
    return samePerson(
      { ...personOf(ctx.operators, a.entry), ...(body ? { licence: body.licence } : {}) },
      signer,
    );
  };
  const latest = appointments[appointments.length - 1];
  if (latest === undefined || asLead(latest)) return undefined;
  // The signer's own appointment is how a replaced lead returns.
  if (node.entry.kind === 'party.lead-appointed') return undefined;
  const former = appointments.find(asLead);
  if (former === undefined) return undefined;
  const by = trace.body(latest, 'party.lead-appointed');
  return {
    message: `${toHex(node.entry.signer).slice(0, 12)} signs as ${party} lead (${node.entry.role}) but was replaced by ${by?.name ?? 'another lead'} (${short(latest)}) and not re-appointed`,
    related: [latest, former],
  };
}

export const leads: Rule = {
  code: 'P-LEADS',
  title: 'Five leads appointed and drawings reviewed before start',
  severity: 'error',
  standard:
    '建质〔2014〕124号 (five-party leads’ lifetime responsibility); Regulation on Construction Quality Management',
  clause:
    'authorisation and commitment of the leads before works, re-commitment when a lead changes; Regulation Art. 11 (drawings used only after review)',
  explanation:
    'Works start only when all five parties have appointed a lead who signed the lifetime-responsibility commitment and the drawings passed review; a replaced lead signs again only after re-appointment.',
  onAppend: 'refuse',
  onAppendReason:
    'A start order and a signature in a lead capacity are legal acts that the signature itself makes; without the appointment they have no force, and refusing them loses no record of work done.',
  deadline: false,
  reads: { 'party.lead-appointed': ['party', 'name', 'licence'] },
  check: (ctx, node) => combine([startConditions(ctx, node), replacedLead(ctx, node)]),
};
