/**
 * The accountability view (质量终身责任): for each stage of an object's life, the five parties'
 * named leads in force and every person who signed, with licence, org, time and entry, marking
 * missing, replaced and lapsed appointments. Leads come from `party.lead-appointed` entries of
 * the object's project; people from the operator certificates the caller supplies.
 */
import {
  type AccountabilityInput,
  type AccountabilityView,
  type LeadAccount,
  type OperatorIdentity,
  type SignerAccount,
  type StageAccount,
  toHex,
} from '@liuhen/core';
import { ORG_KIND_PREFIX } from '@liuhen/governance';
import { parseLotId, parseObjectId } from './ids.ts';
import { kindSpec, STAGES, type Stage } from './kinds/index.ts';
import { OperatorDirectory } from './operators.ts';
import { LEAD_ROLES, RESPONSIBLE_PARTIES } from './roles.ts';
import { TraceIndex, type TraceNode } from './trace-index.ts';

/** The project an object belongs to, found through what its entries cite. */
export function projectOf(trace: TraceIndex, object: string): string | undefined {
  const parsed = parseObjectId(object);
  if (parsed?.type === 'project') return object;
  const lot = parseLotId(object);
  if (lot !== undefined) return `prj:${lot.permit}`;
  for (const node of trace.ofObject(object)) {
    for (const ref of node.entry.refs) {
      if ('object' in ref && ref.object.startsWith('prj:')) return ref.object;
      if ('entry' in ref) {
        const cited = trace.get(ref.entry)?.entry.object;
        if (cited?.startsWith('prj:')) return cited;
      }
    }
  }
  return undefined;
}

function stageOf(trace: TraceIndex, node: TraceNode, previous: Stage | undefined): Stage {
  const stage = kindSpec(node.entry.kind)?.stage;
  if (stage !== undefined && stage !== 'any') return stage;
  const target = trace.refTargets(node, 'attests')[0];
  const targetStage = target === undefined ? undefined : kindSpec(target.entry.kind)?.stage;
  if (targetStage !== undefined && targetStage !== 'any') return targetStage;
  return previous ?? 'preparation';
}

function signerAccount(directory: OperatorDirectory, node: TraceNode): SignerAccount {
  const { entry } = node;
  const key = toHex(entry.signer);
  const base = { entry: node.id, kind: entry.kind, role: entry.role, org: entry.org, key, time: entry.time };
  const at = directory.at(entry.org, key, entry.time);
  const named = (id: OperatorIdentity) => ({ name: id.name, licence: id.licence });
  if (at !== undefined)
    return { ...base, ...named(at), status: at.roles.includes(entry.role) ? 'valid' : 'role-not-held' };
  const ever = directory.all(entry.org, key)[0];
  return ever === undefined ? { ...base, status: 'unknown' } : { ...base, ...named(ever), status: 'lapsed' };
}

interface Appointment {
  readonly node: TraceNode;
  readonly party: string;
  readonly name: string;
  readonly licence: string;
  /** When the next appointment for the party replaced this one. */
  readonly until?: number;
}

function appointments(trace: TraceIndex, project: string | undefined): Appointment[] {
  if (project === undefined) return [];
  const out: Appointment[] = [];
  for (const party of RESPONSIBLE_PARTIES) {
    const list = trace
      .ofObject(project)
      .filter((n) => trace.body(n, 'party.lead-appointed')?.party === party)
      .sort((a, b) => a.entry.time - b.entry.time);
    list.forEach((node, i) => {
      const body = trace.body(node, 'party.lead-appointed');
      if (body === undefined) return;
      const next = list[i + 1];
      out.push({
        node,
        party,
        name: body.name,
        licence: body.licence,
        ...(next ? { until: next.entry.time } : {}),
      });
    });
  }
  return out;
}

function leadsDuring(
  directory: OperatorDirectory,
  all: readonly Appointment[],
  from: number,
  to: number,
): LeadAccount[] {
  const out: LeadAccount[] = [];
  for (const party of RESPONSIBLE_PARTIES) {
    const role = LEAD_ROLES[party];
    const during = all.filter(
      (a) => a.party === party && a.node.entry.time <= to && (a.until === undefined || a.until > from),
    );
    if (during.length === 0) {
      out.push({ party, role, status: 'missing', note: 'no lead appointed for this stage' });
      continue;
    }
    for (const a of during) {
      const { entry } = a.node;
      const end = Math.min(to, a.until ?? to);
      const cert = directory.at(entry.org, toHex(entry.signer), end);
      const status =
        a.until !== undefined && a.until <= to
          ? 'replaced'
          : directory.known && cert === undefined
            ? 'lapsed'
            : 'in-force';
      const notes = [
        ...(entry.time > from ? ['appointed after the stage began'] : []),
        ...(status === 'lapsed' ? ['the lead’s operator certificate had ended'] : []),
      ];
      out.push({
        party,
        role,
        status,
        name: a.name,
        licence: a.licence,
        org: entry.org,
        time: entry.time,
        entry: a.node.id,
        ...(notes.length === 0 ? {} : { note: notes.join('; ') }),
      });
    }
  }
  return out;
}

export function accountability(input: AccountabilityInput): AccountabilityView {
  const trace = new TraceIndex(input.entries.filter((e) => !e.entry.kind.startsWith(ORG_KIND_PREFIX)));
  const directory = new OperatorDirectory(input.operators);
  const project = projectOf(trace, input.object);
  const leads = appointments(trace, project);
  const isProject = project === input.object;
  const byStage = new Map<Stage, TraceNode[]>();
  let previous: Stage | undefined;
  for (const node of trace.nodes) {
    if (!isProject && node.entry.object !== input.object) continue;
    const stage = stageOf(trace, node, previous);
    previous = stage;
    byStage.set(stage, [...(byStage.get(stage) ?? []), node]);
  }
  const stages: StageAccount[] = STAGES.map((stage) => {
    const nodes = byStage.get(stage) ?? [];
    if (nodes.length === 0) {
      return { stage, leads: [], signers: [] };
    }
    const from = Math.min(...nodes.map((n) => n.entry.time));
    const to = Math.max(...nodes.map((n) => n.entry.time));
    return {
      stage,
      from,
      to,
      leads: leadsDuring(directory, leads, from, to),
      signers: nodes.map((n) => signerAccount(directory, n)),
    };
  });
  return { object: input.object, stages };
}
