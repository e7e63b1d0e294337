/**
 * One org log's checkpoints: each parsed and signed by a node key the governance state allows at
 * its position; consecutive ones proven consistent and, where their heights are adjacent, linked
 * by the header hash chain (protocol §7); and the witnesses' cosignatures on each verified one by
 * one, so a forged line is reported against its witness instead of voiding the checkpoint.
 */
import {
  type BlockHeader,
  checkHeaderExtends,
  checkpointOrigin,
  equalBytes,
  LiuhenError,
  parseBlockHeader,
  utf8,
  verifyConsistency,
} from '@liuhen/core';
import type { BundleLog } from './bundle.ts';
import { errorCode } from './errors.ts';
import { type FindingSubject, findingOf } from './findings.ts';
import { cosignedAt, signedBy } from './verifiers.ts';
import { addFinding, type CheckpointEvidence, type VerifyContext } from './verify-context.ts';

const POSITION_CODES = new Set(['GOV_POSITION_UNKNOWN', 'GOV_POSITION_MISMATCH', 'RANGE_INVALID']);

/** The org's line that verifies under one of its node keys; the key, or the failure code. */
function orgSigner(ctx: VerifyContext, header: BlockHeader): { key?: Uint8Array; code: string } {
  const origin = checkpointOrigin(ctx.network, header.org);
  const text = utf8(header.text);
  let code = 'NOTE_UNSIGNED';
  for (const line of header.note.signatures) {
    if (line.name !== origin) continue;
    for (const verifier of ctx.keyring.checkpoint(header.org)) {
      if (!equalBytes(verifier.keyHash, line.keyHash)) continue;
      if (signedBy(text, line, verifier)) return { key: verifier.publicKey, code: 'ok' };
      code = 'SIGNATURE_INVALID';
    }
  }
  return { code };
}

function parseOne(ctx: VerifyContext, log: BundleLog, position: number): BlockHeader | undefined {
  const subject: FindingSubject = { part: 'checkpoint', org: log.org, position };
  let header: BlockHeader;
  try {
    header = parseBlockHeader((log.checkpoints[position] as BundleLog['checkpoints'][number]).note);
  } catch (error) {
    addFinding(
      ctx,
      findingOf(
        'TRACE_CHECKPOINT_MALFORMED',
        `checkpoint ${position} of "${log.org}": ${(error as Error).message}`,
        subject,
        {
          cause: errorCode(error),
        },
      ),
    );
    return undefined;
  }
  const where = { ...subject, checkpoint: header.size };
  if (header.org !== log.org || !equalBytes(header.network, ctx.network)) {
    addFinding(
      ctx,
      findingOf(
        'TRACE_CHECKPOINT_FOREIGN',
        `checkpoint ${position} is of log "${header.org}" on another network or org`,
        where,
      ),
    );
    return undefined;
  }
  const signer = orgSigner(ctx, header);
  if (signer.key === undefined) {
    addFinding(
      ctx,
      findingOf(
        'TRACE_CHECKPOINT_SIGNATURE',
        `checkpoint of "${log.org}" at size ${header.size}: no valid signature by a node key of the org (${signer.code})`,
        where,
        { cause: signer.code },
      ),
    );
    return undefined;
  }
  const verdict = ctx.governance.checkHeader({
    org: header.org,
    signer: signer.key,
    size: header.size,
    height: header.height,
    governance: header.governance,
  });
  if (!verdict.ok) {
    const code = POSITION_CODES.has(verdict.code)
      ? 'TRACE_GOVERNANCE_POSITION'
      : 'TRACE_CHECKPOINT_SIGNATURE';
    addFinding(
      ctx,
      findingOf(code, `checkpoint of "${log.org}" at size ${header.size}: ${verdict.reason}`, where, {
        cause: verdict.code,
      }),
    );
    return undefined;
  }
  return header;
}

function checkLink(
  ctx: VerifyContext,
  log: BundleLog,
  position: number,
  previous: BlockHeader | undefined,
  header: BlockHeader,
): void {
  const subject: FindingSubject = { part: 'checkpoint', org: log.org, position, checkpoint: header.size };
  const consistency = (log.checkpoints[position] as BundleLog['checkpoints'][number]).consistency;
  if (position === 0) {
    if (consistency.length !== 0)
      addFinding(
        ctx,
        findingOf('TRACE_CONSISTENCY', 'the first checkpoint of a log carries a consistency proof', subject),
      );
    if (header.height === 1) chain(ctx, subject, undefined, header);
    return;
  }
  if (previous === undefined) return;
  if (header.size <= previous.size) {
    addFinding(
      ctx,
      findingOf('TRACE_CHECKPOINT_ORDER', `size ${header.size} follows size ${previous.size}`, subject),
    );
    return;
  }
  try {
    verifyConsistency(previous.size, header.size, consistency, previous.root, header.root);
  } catch (error) {
    addFinding(
      ctx,
      findingOf(
        'TRACE_CONSISTENCY',
        `from size ${previous.size} to ${header.size}: ${(error as Error).message}`,
        subject,
        {
          cause: errorCode(error),
        },
      ),
    );
  }
  if (header.height === previous.height + 1) chain(ctx, subject, previous, header);
  else if (
    header.height <= previous.height ||
    header.time < previous.time ||
    header.governance.seq < previous.governance.seq
  ) {
    addFinding(
      ctx,
      findingOf(
        'TRACE_CHECKPOINT_CHAIN',
        `height, time or governance position goes backwards after height ${previous.height}`,
        subject,
      ),
    );
  }
}

function chain(
  ctx: VerifyContext,
  subject: FindingSubject,
  previous: BlockHeader | undefined,
  header: BlockHeader,
): void {
  try {
    checkHeaderExtends(previous, header);
  } catch (error) {
    addFinding(
      ctx,
      findingOf('TRACE_CHECKPOINT_CHAIN', (error as Error).message, subject, { cause: errorCode(error) }),
    );
  }
}

function cosignaturesOf(
  ctx: VerifyContext,
  log: BundleLog,
  position: number,
  header: BlockHeader,
  unknown: Set<string>,
) {
  const origin = checkpointOrigin(ctx.network, log.org);
  const earliest = new Map<string, number>();
  for (const line of header.note.signatures) {
    if (line.name === origin) continue;
    const subject: FindingSubject = {
      part: 'cosignature',
      org: log.org,
      position,
      checkpoint: header.size,
      witness: line.name,
    };
    const verifier = line.name === log.org ? undefined : ctx.keyring.witness(line);
    if (verifier === undefined) {
      if (!unknown.has(line.name)) {
        unknown.add(line.name);
        const why =
          line.name === log.org ? 'an org does not witness its own log' : 'not a member org with this key';
        addFinding(
          ctx,
          findingOf('TRACE_COSIGNATURE_UNKNOWN', `cosignature by "${line.name}" ignored: ${why}`, subject),
        );
      }
      continue;
    }
    let time: number;
    try {
      const seconds = cosignedAt(header.text, line, verifier);
      if (seconds === undefined)
        throw new LiuhenError('SIGNATURE_INVALID', `bad cosignature by ${line.name}`);
      time = seconds * 1000;
    } catch (error) {
      addFinding(
        ctx,
        findingOf(
          'TRACE_COSIGNATURE_INVALID',
          `cosignature by "${line.name}" on "${log.org}" at size ${header.size} does not verify`,
          subject,
          {
            cause: errorCode(error),
          },
        ),
      );
      continue;
    }
    if (time + ctx.skewMs < header.time) {
      addFinding(
        ctx,
        findingOf(
          'TRACE_COSIGNATURE_EARLY',
          `"${line.name}" cosigned at ${new Date(time).toISOString()}, before the block was cut at ${new Date(header.time).toISOString()}`,
          subject,
        ),
      );
    }
    if (ctx.asOf !== undefined && time > ctx.asOf + ctx.skewMs) continue;
    earliest.set(line.name, Math.min(earliest.get(line.name) ?? time, time));
  }
  return [...earliest].map(([witness, time]) => ({ witness, time }));
}

export function verifyCheckpoints(ctx: VerifyContext, log: BundleLog): CheckpointEvidence[] {
  const headers = log.checkpoints.map((_, position) => parseOne(ctx, log, position));
  const unknown = new Set<string>();
  return headers.map((header, position) => {
    if (header !== undefined) checkLink(ctx, log, position, headers[position - 1], header);
    return {
      position,
      header,
      valid: header !== undefined,
      cosignatures: header === undefined ? [] : cosignaturesOf(ctx, log, position, header, unknown),
    };
  });
}
