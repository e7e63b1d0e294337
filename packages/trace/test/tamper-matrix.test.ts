/**
 * The tamper matrix (issue 7): alter each part of a bundle in turn; every alteration must fail
 * verification with a finding that names the part, and the untouched bundle must pass. Every
 * altered bundle also goes through the binary form, so what is verified is what a file carries.
 */
import { checkpointOrigin, decodeEnvelope, entryId, fromHex, leafHash, toHex } from '@liuhen/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Bundle,
  decodeBundle,
  encodeBundle,
  type Finding,
  type Verification,
  verifyBundle,
} from '../src/index.ts';
import { HOUR, OBJECT, type Segment, segment, T0 } from './fixtures.ts';
import {
  alterEntryBytes,
  copy,
  flip,
  locate,
  logOf,
  replaceText,
  withEntry,
  withNoteLines,
} from './tamper.ts';
import { testProfile } from './test-profile.ts';

let s: Segment;
let clean: Bundle;
let hex: Record<string, string>;
/** An entry of another segment, in the contractor's log but not in this bundle. */
let stranger: { index: number; envelope: Uint8Array };

beforeAll(async () => {
  s = segment({ governance: true });
  const id = s.net.write(
    'qi',
    'QI',
    'construction.joint-made',
    T0 + 3 * 24 * HOUR,
    { joint: 'J01' },
    {
      object: 'SZ-WS000124-WS000125#1',
    },
  );
  clean = await s.bundle();
  hex = Object.fromEntries(Object.entries(s.ids).map(([k, v]) => [k, toHex(v)]));
  const size = s.net.ledger.size('contractor');
  stranger = { index: size - 1, envelope: (await s.net.ledger.entry(id))?.envelope as Uint8Array };
});

function verify(bundle: Bundle): Verification {
  // Through the file form: encode, decode, verify.
  return verifyBundle(decodeBundle(encodeBundle(bundle)), {
    object: OBJECT,
    anchor: { networkId: s.net.network },
    profile: testProfile,
  });
}

type Match = Omit<Partial<Finding>, 'subject'> & {
  subject?: { [K in keyof Finding['subject']]?: Finding['subject'][K] | undefined };
};

function expectFinding(v: Verification, match: Match): Finding {
  expect(v.report.verdict).toBe('failed');
  const found = v.report.findings.find(
    (f) =>
      (match.code === undefined || f.code === match.code) &&
      (match.severity === undefined || f.severity === match.severity) &&
      Object.entries(match.subject ?? {}).every(
        ([k, value]) => f.subject[k as keyof Finding['subject']] === value,
      ),
  );
  expect(
    found,
    `no finding ${JSON.stringify(match)} in ${JSON.stringify(v.report.findings, null, 1)}`,
  ).toBeDefined();
  return found as Finding;
}

describe('tamper matrix', () => {
  it('the untouched bundle passes with no findings at all', () => {
    const v = verify(clean);
    expect(v.report.findings).toEqual([]);
    expect(v.report.verdict).toBe('verified');
    expect(v.report.entries.map((e) => e.id)).toEqual(
      ['design', 'trench', 'laid', 'joint', 'accepted', 'attest', 'test', 'backfill'].map((k) => hex[k]),
    );
  });

  it('an entry byte: the signature no longer verifies, and the leaf is not the logged one', () => {
    const joint = s.ids.joint as Uint8Array;
    const altered = withEntry(clean, joint, (e) => {
      e.envelope = alterEntryBytes(e.envelope, (b) => replaceText(b, 'J07', 'J08'));
    });
    const { entry } = locate(clean, joint);
    const v = verify(altered);
    const finding = expectFinding(v, {
      code: 'TRACE_ENTRY_SIGNATURE',
      subject: { part: 'entry', org: 'contractor', index: entry.index },
    });
    expect(finding.message).toContain('construction.joint-made');
    expectFinding(v, { code: 'TRACE_INCLUSION', subject: { part: 'entry', index: entry.index } });
  });

  it('an entry byte that breaks the encoding', () => {
    const joint = s.ids.joint as Uint8Array;
    const { entry } = locate(clean, joint);
    const altered = withEntry(clean, joint, (e) => {
      e.envelope = alterEntryBytes(e.envelope, (b) => {
        const out = b.slice();
        out[0] = 0xbf; // an indefinite-length map head
        return out;
      });
    });
    expectFinding(verify(altered), {
      code: 'TRACE_ENTRY_ENCODING',
      subject: { part: 'entry', org: 'contractor', index: entry.index },
    });
  });

  it("an entry's signature", () => {
    const accepted = s.ids.accepted as Uint8Array;
    const { entry } = locate(clean, accepted);
    const altered = withEntry(clean, accepted, (e) => {
      e.envelope = flip(e.envelope, -1);
    });
    expectFinding(verify(altered), {
      code: 'TRACE_ENTRY_SIGNATURE',
      subject: { part: 'entry', org: 'supervision', index: entry.index, entry: hex.accepted },
    });
  });

  it('a proof hash', () => {
    const laid = s.ids.laid as Uint8Array;
    const { entry } = locate(clean, laid);
    expect(entry.proof.length).toBeGreaterThan(0);
    const altered = withEntry(clean, laid, (e) => {
      e.proof[0] = flip(e.proof[0] as Uint8Array, 5);
    });
    const v = verify(altered);
    const finding = expectFinding(v, {
      code: 'TRACE_INCLUSION',
      subject: { part: 'entry', entry: hex.laid, index: entry.index },
    });
    expect(finding.cause).toBe('PROOF_INVALID');
    expect(v.report.entries.find((e) => e.id === hex.laid)?.valid).toBe(false);
  });

  it('a consistency proof hash', () => {
    const out = copy(clean);
    const { index, log } = logOf(clean, 'contractor');
    const position = log.checkpoints.findIndex((c) => c.consistency.length > 0);
    const checkpoint = out.logs[index]?.checkpoints[position] as { consistency: Uint8Array[] };
    checkpoint.consistency[0] = flip(checkpoint.consistency[0] as Uint8Array, 0);
    expectFinding(verify(out), {
      code: 'TRACE_CONSISTENCY',
      subject: { part: 'checkpoint', org: 'contractor', position },
    });
  });

  it("a checkpoint's signature: the checkpoint, and the entries proven to it, are named", () => {
    const laid = s.ids.laid as Uint8Array;
    const { entry } = locate(clean, laid);
    const origin = checkpointOrigin(s.net.network, 'contractor');
    const altered = withNoteLines(clean, 'contractor', entry.checkpoint, (lines) =>
      lines.map((l) => (l.name === origin ? { ...l, signature: flip(l.signature, 10) } : l)),
    );
    const v = verify(altered);
    const finding = expectFinding(v, {
      code: 'TRACE_CHECKPOINT_SIGNATURE',
      subject: { part: 'checkpoint', org: 'contractor', position: entry.checkpoint },
    });
    expect(finding.cause).toBe('SIGNATURE_INVALID');
    expectFinding(v, { code: 'TRACE_INCLUSION', subject: { part: 'entry', entry: hex.laid } });
  });

  it("a checkpoint's text (its root): the signature no longer covers it", () => {
    const laid = s.ids.laid as Uint8Array;
    const { entry } = locate(clean, laid);
    const out = copy(clean);
    const { index } = logOf(clean, 'contractor');
    const checkpoint = out.logs[index]?.checkpoints[entry.checkpoint] as { note: string };
    const lines = checkpoint.note.split('\n');
    lines[2] = Buffer.from(leafHash(new Uint8Array(1))).toString('base64');
    checkpoint.note = lines.join('\n');
    expectFinding(verify(out), {
      code: 'TRACE_CHECKPOINT_SIGNATURE',
      subject: { part: 'checkpoint', org: 'contractor' },
    });
  });

  it('a cosignature: named by witness and checkpoint', () => {
    const accepted = s.ids.accepted as Uint8Array;
    const { entry } = locate(clean, accepted);
    const altered = withNoteLines(clean, 'supervision', entry.checkpoint, (lines) =>
      lines.map((l) => (l.name === 'lab' ? { ...l, signature: flip(l.signature, 20) } : l)),
    );
    const finding = expectFinding(verify(altered), {
      code: 'TRACE_COSIGNATURE_INVALID',
      subject: { part: 'cosignature', org: 'supervision', witness: 'lab', position: entry.checkpoint },
    });
    expect(finding.severity).toBe('error');
  });

  it('a governance action: refused, and the checkpoints that claim its position are unknown', () => {
    const out = copy(clean);
    expect(out.governance).toHaveLength(1);
    out.governance[0] = flip(out.governance[0] as Uint8Array, -3);
    const v = verify(out);
    expectFinding(v, { code: 'TRACE_GOVERNANCE_INVALID', subject: { part: 'governance', seq: 1 } });
    const position = expectFinding(v, { code: 'TRACE_GOVERNANCE_POSITION', subject: { part: 'checkpoint' } });
    expect(position.cause).toBe('GOV_POSITION_UNKNOWN');
  });

  it('a governance action dropped', () => {
    const out = copy(clean);
    out.governance = [];
    expectFinding(verify(out), { code: 'TRACE_GOVERNANCE_POSITION', subject: { part: 'checkpoint' } });
  });

  it('an operator certificate: the certificate, and every entry it would authorise, are named', () => {
    const out = copy(clean);
    const { index, log } = logOf(clean, 'contractor');
    const position = log.entries.findIndex((e) => {
      const kind = new TextDecoder().decode(decodeEnvelope(e.envelope).entryBytes);
      return kind.includes('org.operator-appointed') && kind.includes('operator:qi');
    });
    const cert = out.logs[index]?.entries[position] as { envelope: Uint8Array; index: number };
    cert.envelope = flip(cert.envelope, -1);
    const v = verify(out);
    expectFinding(v, {
      code: 'TRACE_ENTRY_SIGNATURE',
      subject: { part: 'operator-certificate', org: 'contractor', index: cert.index },
    });
    for (const k of ['trench', 'laid', 'joint', 'attest', 'backfill']) {
      expectFinding(v, { code: 'OPERATOR_UNKNOWN', subject: { part: 'entry', entry: hex[k] } });
    }
    expect(
      v.report.accountability.stages
        .flatMap((st) => st.parties)
        .some((p) => p.note?.includes('OPERATOR_UNKNOWN')),
    ).toBe(true);
  });

  it('a parent entry dropped: the child names the missing parent', () => {
    const out = copy(clean);
    const { log, position } = locate(clean, s.ids.joint as Uint8Array);
    out.logs[log]?.entries.splice(position, 1);
    const finding = expectFinding(verify(out), {
      code: 'TRACE_PARENT_MISSING',
      subject: { entry: hex.accepted },
    });
    expect(finding.related).toEqual([hex.joint]);
  });

  it('a cosignature dropped below the witness policy', () => {
    // Contractor's blocks are cosigned by the four other orgs; the policy needs three.
    let out: Bundle = clean;
    const { log } = logOf(clean, 'contractor');
    for (let position = 0; position < log.checkpoints.length; position++) {
      out = withNoteLines(out, 'contractor', position, (lines) =>
        lines.filter((l) => l.name !== 'lab' && l.name !== 'owner'),
      );
    }
    const v = verify(out);
    const finding = expectFinding(v, { code: 'TRACE_WITNESS_POLICY', subject: { entry: hex.joint } });
    expect(finding.message).toContain('lab, owner');
    expect(v.report.gaps.cosignatures.find((g) => g.entry === hex.joint)?.missing).toEqual(['lab', 'owner']);
    // One witness fewer is still a majority: nothing to report.
    let one: Bundle = clean;
    for (let position = 0; position < log.checkpoints.length; position++) {
      one = withNoteLines(one, 'contractor', position, (lines) => lines.filter((l) => l.name !== 'lab'));
    }
    expect(verify(one).report.verdict).toBe('verified');
  });

  it('an entry of another object swapped in: it is foreign, and the entry it replaced is missing', () => {
    const out = copy(clean);
    const { log, position, entry } = locate(clean, s.ids.joint as Uint8Array);
    const contractor = clean.logs[log];
    const latest = (contractor?.checkpoints.length ?? 0) - 1;
    const size = s.net.ledger.size('contractor');
    const proof = s.net.ledger.inclusionProof('contractor', stranger.index, size);
    return proof.then((hashes) => {
      out.logs[log]?.entries.splice(position, 1);
      out.logs[log]?.entries.push({
        index: stranger.index,
        envelope: stranger.envelope,
        checkpoint: latest,
        proof: [...hashes],
      });
      expect(entry.index).toBeLessThan(stranger.index);
      const v = verify(out);
      const strangerId = toHex(entryId(decodeEnvelope(stranger.envelope).entryBytes));
      expectFinding(v, { code: 'TRACE_FOREIGN_ENTRY', subject: { part: 'entry', entry: strangerId } });
      expectFinding(v, { code: 'TRACE_PARENT_MISSING', subject: { entry: hex.accepted } });
      // The swapped entry itself is genuinely logged and signed: only its presence is wrong.
      expect(v.report.findings.filter((f) => f.subject.entry === strangerId).map((f) => f.code)).toEqual([
        'TRACE_FOREIGN_ENTRY',
      ]);
    });
  });

  it('an attachment altered', () => {
    const out = copy(clean);
    expect(out.attachments.length).toBe(2);
    const first = out.attachments[0] as { data: Uint8Array; sha256: Uint8Array };
    first.data = flip(first.data, 0);
    expectFinding(verify(out), {
      code: 'TRACE_ATTACHMENT_MISMATCH',
      subject: { part: 'attachment', attachment: toHex(first.sha256) },
    });
  });

  it('the genesis replaced: the trust anchor refuses it', () => {
    const out = copy(clean);
    out.genesis = flip(out.genesis, -1);
    const v = verify(out);
    expectFinding(v, { code: 'TRACE_GENESIS_UNTRUSTED', subject: { part: 'genesis' } });
  });

  it('an entry moved to another log index', () => {
    // The last of the contractor's entries in the bundle, so the order of indexes still holds.
    const altered = withEntry(clean, s.ids.backfill as Uint8Array, (e) => {
      e.index += 1;
    });
    expectFinding(verify(altered), { code: 'TRACE_INCLUSION', subject: { entry: hex.backfill } });
  });

  it('every single-byte flip of the file either fails to decode or fails verification', () => {
    const bytes = encodeBundle(clean);
    // A spread of positions through the whole file; each flip must be caught somewhere.
    for (let at = 0; at < bytes.length; at += Math.max(1, Math.floor(bytes.length / 150))) {
      const mutated = flip(bytes, at);
      let bundle: Bundle;
      try {
        bundle = decodeBundle(mutated);
      } catch (error) {
        expect((error as { name?: string }).name, `offset ${at}`).toBe('TraceError');
        continue;
      }
      const v = verifyBundle(bundle, {
        object: OBJECT,
        anchor: { networkId: s.net.network },
        profile: testProfile,
      });
      const caught = v.report.verdict === 'failed' || v.report.findings.length > 0;
      expect(caught, `offset ${at} flipped without a finding`).toBe(true);
    }
  });
});

describe('what an unaltered bundle reports', () => {
  it('names the object asked about when the bundle is about another', () => {
    const v = verifyBundle(clean, {
      object: 'SZ-WS000999-WS001000#1',
      anchor: { networkId: s.net.network },
      profile: testProfile,
    });
    expect(v.report.verdict).toBe('failed');
    expect(v.report.findings[0]?.code).toBe('TRACE_OBJECT_MISMATCH');
  });

  it('warns, but verifies, without a trust anchor or a profile', () => {
    const v = verifyBundle(clean);
    expect(v.report.verdict).toBe('verified-with-warnings');
    expect(v.report.findings.map((f) => f.code).sort()).toEqual([
      'TRACE_PROFILE_UNAVAILABLE',
      'TRACE_UNANCHORED',
    ]);
    expect(v.report.network).toBe(toHex(s.net.network));
    expect(fromHex(v.report.network)).toEqual(s.net.network);
  });
});
