/**
 * Sealed sections (DESIGN §11) as the verification's reader sees them: an org, a clearance and
 * the org's encryption keys, or nobody in particular. Integrity never needs a key — the signature
 * and the Merkle leaf cover the ciphertext — so this step only decides what the profile's rules
 * may read. A section the reader should open and cannot is a finding against its entry: an AEAD
 * failure or a malformed section (the author signed something no recipient can read), or a key
 * that is not the one wrapped to (the reader's mistake). A reader who is not a recipient, or is
 * cleared below restricted, simply does not see the fields; the rules that need them say so.
 *
 * The opening itself is core's `scopedView`: the same answer the node's API gives.
 */
import { ACCESS_GRANT_KIND, type CborMap, scopedView, type ViewReader } from '@liuhen/core';
import { findingOf } from './findings.ts';
import { grantsOf } from './grants.ts';
import type { SealedStatus } from './profile.ts';
import { addFinding, type EntryEvidence, type VerifyContext } from './verify-context.ts';

/** What a verification's reader opens sealed sections as: core's view reader. */
export type SealedReader = ViewReader;

/** Without a reader the inspector holds what any node holds: the plain, internal content. */
const NOBODY: SealedReader = { clearance: 'internal' };

export interface SealedReading {
  readonly status: SealedStatus;
  readonly unsealed?: CborMap;
}

/**
 * The sealed sections of the intact entries in `evidence`, opened as `reader` can, with the valid
 * grants among them. `evidence` is in causal order (grants come after the entries they cite).
 */
export function openSealed(
  ctx: VerifyContext,
  evidence: readonly EntryEvidence[],
  reader: SealedReader | undefined,
): Map<EntryEvidence, SealedReading> {
  const out = new Map<EntryEvidence, SealedReading>();
  const decoded = evidence.filter((e) => e.intact && e.entry !== undefined && e.id !== undefined);
  const signed = decoded.map((e) => ({
    id: e.id as Uint8Array,
    entry: e.entry as NonNullable<typeof e.entry>,
  }));
  // A grant counts only as verified evidence: signed with authority and proven in its log.
  const grants = signed.filter(
    (e, i) =>
      e.entry.kind === ACCESS_GRANT_KIND && decoded[i]?.included === true && decoded[i]?.authorized === true,
  );
  decoded.forEach((e, i) => {
    const target = signed[i] as (typeof signed)[number];
    if (target.entry.sealed === undefined) return;
    const view = scopedView(target, reader ?? NOBODY, { grants: grantsOf(target, grants) }).sealed;
    if (view === undefined) return;
    const recipients = [...new Set(view.recipients.map((r) => r.org))].sort();
    if (!view.restricted) {
      out.set(e, { status: { opened: true, recipients }, unsealed: view.fields });
      return;
    }
    out.set(e, { status: { opened: false, reason: view.reason, code: view.code, recipients } });
    const subject = { part: 'entry' as const, org: e.org, index: e.index, entry: e.idHex as string };
    if (view.reason === 'unreadable')
      addFinding(ctx, findingOf('TRACE_SEALED_UNREADABLE', view.detail, subject, { cause: view.code }), e);
    else if (view.reason === 'wrong-key' || view.reason === 'no-key')
      addFinding(ctx, findingOf('TRACE_SEALED_KEY', view.detail, subject, { cause: view.code }), e);
  });
  return out;
}
