/**
 * One org log's entries: each envelope decoded strictly, of this network and log, signed by its
 * signer, and included — by its RFC 6962 proof — in a checkpoint of the log that verified. Every
 * failure is reported against the entry (by log position, and by id once the bytes give one), and
 * the entry is kept, marked, so the report can still show what it claims.
 */
import {
  type BlockHeader,
  decodeEntry,
  decodeEnvelope,
  entryId,
  entrySigningMessage,
  equalBytes,
  leafHash,
  toHex,
  verifyInclusion,
  verifySignature,
} from '@liuhen/core';
import { OPERATOR_APPOINTED, OPERATOR_REVOKED } from '@liuhen/governance';
import type { BundleLog } from './bundle.ts';
import { errorCode } from './errors.ts';
import { type FindingSubject, findingOf } from './findings.ts';
import {
  addFinding,
  type CheckpointEvidence,
  type EntryEvidence,
  type VerifyContext,
} from './verify-context.ts';

const isCertificateKind = (kind: string | undefined) =>
  kind === OPERATOR_APPOINTED || kind === OPERATOR_REVOKED;

/** Operator certificates are named as such, so a report says which part was altered. */
function subjectOf(log: BundleLog, e: EntryEvidence): FindingSubject {
  return {
    part: isCertificateKind(e.entry?.kind) ? 'operator-certificate' : 'entry',
    org: log.org,
    index: e.index,
    ...(e.idHex === undefined ? {} : { entry: e.idHex }),
  };
}

/**
 * The size limit an entry was judged by when its block was cut: `maxEntryBytes` at the covering
 * header's governance position, so a later `parameter.set` changes no earlier verdict. Without a
 * covering header (reported elsewhere), the limit in force.
 */
function entryLimit(ctx: VerifyContext, covering: BlockHeader | undefined): number {
  const g = covering?.governance.seq;
  if (g === undefined || g > ctx.governance.seq) return ctx.maxEntryBytes;
  return ctx.governance.parametersAt(g).maxEntryBytes;
}

function open(ctx: VerifyContext, log: BundleLog, e: EntryEvidence): void {
  const maxBytes = entryLimit(ctx, e.covering);
  const subject = (): FindingSubject => subjectOf(log, e);
  const unreadable = (error: unknown) =>
    addFinding(
      ctx,
      findingOf(
        'TRACE_ENTRY_ENCODING',
        `entry ${e.index} of "${log.org}": ${(error as Error).message}`,
        subject(),
        {
          cause: errorCode(error),
        },
      ),
      e,
    );
  let entryBytes: Uint8Array;
  let signature: Uint8Array;
  try {
    ({ entryBytes, signature } = decodeEnvelope(e.envelope, maxBytes));
  } catch (error) {
    unreadable(error);
    return;
  }
  e.id = entryId(entryBytes);
  e.idHex = toHex(e.id);
  try {
    e.entry = decodeEntry(entryBytes, { maxBytes });
  } catch (error) {
    unreadable(error);
    return;
  }
  let intact = true;
  if (!equalBytes(e.entry.network, ctx.network)) {
    addFinding(
      ctx,
      findingOf('TRACE_ENTRY_NETWORK', `entry ${e.idHex} names network ${toHex(e.entry.network)}`, subject()),
      e,
    );
    intact = false;
  }
  let signed: boolean;
  try {
    signed = verifySignature(e.entry.signer, entrySigningMessage(entryBytes), signature);
  } catch {
    // An unacceptable public key (small order, non-canonical) cannot have signed anything.
    signed = false;
  }
  if (!signed) {
    addFinding(
      ctx,
      findingOf(
        'TRACE_ENTRY_SIGNATURE',
        `the signature of entry ${e.idHex} (${e.entry.kind}) does not verify`,
        subject(),
      ),
      e,
    );
    intact = false;
  }
  if (e.entry.org !== log.org) {
    addFinding(
      ctx,
      findingOf(
        'TRACE_ENTRY_ORG',
        `entry ${e.idHex} names org "${e.entry.org}" but is in the log of "${log.org}"`,
        subject(),
      ),
      e,
    );
    intact = false;
  }
  e.intact = intact;
}

function include(
  ctx: VerifyContext,
  log: BundleLog,
  e: EntryEvidence,
  proof: readonly Uint8Array[],
  checkpoints: readonly CheckpointEvidence[],
): void {
  const subject = subjectOf(log, e);
  const target = checkpoints[e.checkpoint];
  if (target?.header === undefined || !target.valid) {
    addFinding(
      ctx,
      findingOf(
        'TRACE_INCLUSION',
        `entry ${e.index} of "${log.org}" is proven to checkpoint ${e.checkpoint}, which is not valid`,
        subject,
      ),
      e,
    );
    return;
  }
  try {
    verifyInclusion(leafHash(e.envelope), e.index, target.header.size, proof, target.header.root);
    e.included = true;
  } catch (error) {
    addFinding(
      ctx,
      findingOf(
        'TRACE_INCLUSION',
        `entry ${e.index} of "${log.org}" in the tree of size ${target.header.size}: ${(error as Error).message}`,
        subject,
        {
          cause: errorCode(error),
        },
      ),
      e,
    );
  }
}

/** The earliest valid checkpoint with size > index (sizes ascend in a well-formed bundle). */
function coveringCheckpoint(
  checkpoints: readonly CheckpointEvidence[],
  index: number,
): BlockHeader | undefined {
  let lo = 0;
  let hi = checkpoints.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const size = checkpoints[mid]?.header?.size;
    if (size !== undefined && size <= index) lo = mid + 1;
    else hi = mid;
  }
  // Out-of-order or invalid checkpoints are findings already; fall back to a scan past them.
  for (let i = lo; i < checkpoints.length; i++) {
    const c = checkpoints[i] as CheckpointEvidence;
    if (c.valid && c.header !== undefined && c.header.size > index) return c.header;
  }
  return undefined;
}

export function verifyEntries(
  ctx: VerifyContext,
  log: BundleLog,
  checkpoints: readonly CheckpointEvidence[],
): EntryEvidence[] {
  return log.entries.map((raw) => {
    const e: EntryEvidence = {
      org: log.org,
      index: raw.index,
      envelope: raw.envelope,
      checkpoint: raw.checkpoint,
      intact: false,
      included: false,
      authorized: false,
      findings: [],
    };
    // The block that first holds the entry bounds its time and fixes its governance position.
    const covering = coveringCheckpoint(checkpoints, e.index);
    if (covering !== undefined) e.covering = covering;
    open(ctx, log, e);
    include(ctx, log, e, raw.proof, checkpoints);
    return e;
  });
}
