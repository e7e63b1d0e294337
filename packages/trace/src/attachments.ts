/**
 * Attachments are optional in a bundle: the entry signs each one's SHA-256 and size, so a missing
 * blob is a gap in the evidence (reported, not failed), while a present blob that does not match
 * is tampering (an error).
 */
import { sha256, toHex } from '@liuhen/core';
import type { BundleAttachment } from './bundle.ts';
import { findingOf } from './findings.ts';
import type { TraceReport } from './report.ts';
import { addFinding, type EntryEvidence, type VerifyContext } from './verify-context.ts';

export function verifyAttachments(
  ctx: VerifyContext,
  ordered: readonly EntryEvidence[],
  blobs: readonly BundleAttachment[],
): TraceReport['gaps']['attachments'] {
  const held = new Map<string, Uint8Array>();
  for (const blob of blobs) {
    const claimed = toHex(blob.sha256);
    if (toHex(sha256(blob.data)) !== claimed) {
      addFinding(
        ctx,
        findingOf(
          'TRACE_ATTACHMENT_MISMATCH',
          `the bundle's attachment ${claimed} does not hash to its name`,
          { part: 'attachment', attachment: claimed },
        ),
      );
      continue;
    }
    held.set(claimed, blob.data);
  }
  const missing: TraceReport['gaps']['attachments'][number][] = [];
  for (const e of ordered) {
    for (const a of e.entry?.attachments ?? []) {
      const hash = toHex(a.sha256);
      const data = held.get(hash);
      const subject = {
        part: 'attachment' as const,
        org: e.org,
        index: e.index,
        entry: e.idHex as string,
        attachment: hash,
      };
      if (data === undefined) {
        missing.push({ entry: e.idHex as string, sha256: hash, name: a.name, type: a.type, size: a.size });
        addFinding(
          ctx,
          findingOf(
            'TRACE_ATTACHMENT_MISSING',
            `${a.name} (${a.type}, ${a.size} bytes) of ${e.entry?.kind} is not in the evidence`,
            subject,
          ),
          e,
        );
      } else if (data.length !== a.size) {
        addFinding(
          ctx,
          findingOf(
            'TRACE_ATTACHMENT_MISMATCH',
            `${a.name} is ${data.length} bytes; the entry records ${a.size}`,
            subject,
          ),
          e,
        );
      }
    }
  }
  return missing;
}
