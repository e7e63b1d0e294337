/**
 * Authority, through governance's one validity function. Operator certificates are applied first,
 * per org in log order, and only those that are intact, included and signed by the org's node key:
 * a certificate the evidence cannot prove appoints nobody, so the entries it would authorise fail
 * with OPERATOR_UNKNOWN — which is how an altered certificate shows up on the entries it concerns.
 * Then every other entry is judged at its own position: its log index for the operator registry,
 * and its block's governance position and height for membership, freeze points and node keys.
 */

import { leafHash, type OperatorIdentity, toHex } from '@liuhen/core';
import { checkAuthority, OPERATOR_APPOINTED, OPERATOR_REVOKED, OperatorRegistry } from '@liuhen/governance';
import { errorCode } from './errors.ts';
import { AUTHORITY_CLAUSE, findingOf } from './findings.ts';
import { Memo } from './memo.ts';
import { addFinding, type EntryEvidence, type LogEvidence, type VerifyContext } from './verify-context.ts';

const isCertificate = (e: EntryEvidence) =>
  e.entry?.kind === OPERATOR_APPOINTED || e.entry?.kind === OPERATOR_REVOKED;

function judge(
  ctx: VerifyContext,
  registry: OperatorRegistry,
  e: EntryEvidence,
  certificate: boolean,
): boolean {
  const entry = e.entry;
  if (entry === undefined) return false;
  const verdict = checkAuthority({
    governance: ctx.governance,
    registry,
    org: e.org,
    signer: entry.signer,
    role: entry.role,
    kind: entry.kind,
    logIndex: e.index,
    time: entry.time,
    // Without a profile the role table is unknown; TRACE_PROFILE_UNAVAILABLE says so.
    rolePolicy: (kind, role) => ctx.profile?.mayRoleSign?.(kind, role) ?? true,
    ...(ctx.profile?.mayPartyRecord === undefined
      ? {}
      : { partyPolicy: ctx.profile.mayPartyRecord.bind(ctx.profile) }),
    ...(e.covering === undefined
      ? {}
      : { governancePosition: e.covering.governance, blockHeight: e.covering.height }),
  });
  if (verdict.ok) return true;
  addFinding(
    ctx,
    findingOf(
      verdict.code,
      verdict.reason,
      {
        part: certificate ? 'operator-certificate' : 'entry',
        org: e.org,
        index: e.index,
        ...(e.idHex === undefined ? {} : { entry: e.idHex }),
      },
      { severity: 'error', clause: AUTHORITY_CLAUSE },
    ),
    e,
  );
  return false;
}

interface Built {
  readonly registry: OperatorRegistry;
  /** Certificates the registry refused, by position, with the error. */
  readonly refused: ReadonlyMap<string, Error>;
}

/** Registries by the exact certificates applied: parsing each validates its keys (see memo.ts). */
const registries = new Memo<Built>(16);

function build(certificates: readonly EntryEvidence[]): Built {
  const registry = new OperatorRegistry();
  const refused = new Map<string, Error>();
  for (const e of certificates) {
    try {
      registry.apply(e.org, e.index, e.entry as NonNullable<EntryEvidence['entry']>);
    } catch (error) {
      refused.set(`${e.org} ${e.index}`, error as Error);
    }
  }
  return { registry, refused };
}

/** Every operator the applied certificates appoint, with the end of an appointment cut short. */
function identities(registry: OperatorRegistry, certificates: readonly EntryEvidence[]): OperatorIdentity[] {
  const timeAt = new Map(certificates.map((e) => [`${e.org} ${e.index}`, e.entry?.time ?? 0]));
  const seen = new Set<string>();
  const out: OperatorIdentity[] = [];
  for (const e of certificates) {
    const operator = e.entry?.body.operator;
    if (!(operator instanceof Uint8Array) || seen.has(`${e.org} ${toHex(operator)}`)) continue;
    seen.add(`${e.org} ${toHex(operator)}`);
    const events = registry.eventsOf(e.org, operator);
    const last = events.findLastIndex((ev) => ev.type === 'appointed');
    const appointed = events[last];
    if (appointed?.type !== 'appointed') continue;
    const { appointment } = appointed;
    const ended = events.slice(last + 1).find((ev) => ev.type !== 'appointed');
    out.push({
      org: e.org,
      key: toHex(appointment.operator),
      name: appointment.name,
      licence: appointment.licence,
      idHash: toHex(appointment.idHash),
      roles: appointment.roles,
      validFrom: appointment.validFrom,
      validUntil: appointment.validUntil,
      ...(ended === undefined
        ? {}
        : { endedAt: timeAt.get(`${e.org} ${ended.logIndex}`) ?? appointment.validUntil }),
    });
  }
  return out;
}

export function verifyAuthority(
  ctx: VerifyContext,
  logs: readonly LogEvidence[],
): { registry: OperatorRegistry; operators: OperatorIdentity[] } {
  // The node key signs certificates, which checkAuthority decides without the registry.
  const empty = new OperatorRegistry();
  const certificates = logs.flatMap((log) =>
    log.entries.filter(
      (e) =>
        isCertificate(e) && e.intact && e.included && e.entry !== undefined && judge(ctx, empty, e, true),
    ),
  );
  const key = certificates.map((e) => `${e.org} ${e.index} ${toHex(leafHash(e.envelope))}`).join(' ');
  const { registry, refused } = registries.get(key, () => build(certificates));
  for (const e of certificates) {
    const error = refused.get(`${e.org} ${e.index}`);
    if (error === undefined) {
      e.authorized = true;
      continue;
    }
    const subject = {
      part: 'operator-certificate' as const,
      org: e.org,
      index: e.index,
      ...(e.idHex === undefined ? {} : { entry: e.idHex }),
    };
    addFinding(
      ctx,
      findingOf('TRACE_CERTIFICATE_INVALID', error.message, subject, { cause: errorCode(error) }),
      e,
    );
  }
  for (const log of logs) {
    for (const e of log.entries) {
      if (isCertificate(e) || e.entry === undefined || !e.intact) continue;
      e.authorized = judge(ctx, registry, e, false);
      const state = registry.stateAt(e.org, e.entry.signer, e.index);
      if (state?.type === 'appointed') e.operator = state.appointment;
    }
  }
  return {
    registry,
    operators: identities(
      registry,
      certificates.filter((e) => e.authorized),
    ),
  };
}
