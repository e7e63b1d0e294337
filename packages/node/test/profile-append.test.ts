/**
 * The node judges every append with the network's profile (pipe/1): body schemas and roles, then
 * the lifecycle rules on the entry's causal closure — refusing rules refuse with their code, the
 * others let the entry in and come back as flags on the acknowledgement.
 */
import { type CborMap, failureCodeAsync, generateKeyPair, type KeyPair, toHex } from '@liuhen/core';
import { appointmentBody, creditCodeCheckCharacter } from '@liuhen/governance';
import { objectId, pipeProfile } from '@liuhen/profile-pipe';
import { sampleBody } from '@liuhen/profile-pipe/scenario';
import { afterEach, describe, expect, it } from 'vitest';
import { OperatorBook } from '../src/append-context.ts';
import { EntryRefusedError } from '../src/entry-refused.ts';
import type { LedgerNode } from '../src/ledger-node.ts';
import { appoint, envelope, type Fixture, fixture, SEGMENT, T0 } from './fixtures.ts';

let f: Fixture;
afterEach(() => f?.cleanup());

const HOUR = 3_600_000;
const PERMIT = '440306202603010101';
const PROJECT = objectId('project', PERMIT);
const first17 = '91440300MA5F00000';
const CREDIT_CODE = first17 + creditCodeCheckCharacter(first17);

/** The refusal an append fails with (anything else fails the test). */
async function refusal(append: Promise<unknown>): Promise<EntryRefusedError> {
  const error = await append.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EntryRefusedError);
  return error as EntryRefusedError;
}

const record = (node: LedgerNode, signer: KeyPair, role: string, kind: string, body: CborMap, hours = 1) =>
  node.appendUnsigned({ object: SEGMENT, kind, role, time: T0 + hours * HOUR, body }, signer.seed);

describe('schema and role checks', () => {
  it('refuses a body that breaks its schema with PIPE_BODY_INVALID and names the field', async () => {
    f = fixture();
    const node = await f.open();
    const qi = await appoint(node, f, ['QI']);
    const before = node.size;
    const out = await refusal(
      record(node, qi, 'QI', 'construction.bedding', {
        ...sampleBody('construction.bedding'),
        compactionPct: 120,
      }),
    );
    expect(out.code).toBe('PIPE_BODY_INVALID');
    expect(out.field).toBe('body.compactionPct');
    expect(out.message).toMatch(/body\.compactionPct: 120 % is out of range/);
    // A quantity under another unit's name points at the right one.
    const { thicknessMm: _mm, ...noThickness } = sampleBody('construction.bedding');
    const unit = await refusal(
      record(node, qi, 'QI', 'construction.bedding', { ...noThickness, thicknessM: 0.15 }),
    );
    expect(unit.refusals.map((r) => r.field)).toContain('body.thicknessM');
    // A joint without its number: the missing field is named too.
    const { joint: _, ...noJoint } = sampleBody('construction.joint-made');
    const missing = await refusal(record(node, qi, 'QI', 'construction.joint-made', noJoint));
    expect(missing).toMatchObject({ code: 'PIPE_BODY_INVALID', field: 'body.joint' });
    expect(node.size).toBe(before);
    await node.close();
  });

  it('refuses an object id that is not a pipe/1 id, or of the wrong type for the kind', async () => {
    f = fixture();
    const node = await f.open();
    const qi = await appoint(node, f, ['QI']);
    const body = sampleBody('construction.joint-made');
    const bad = await refusal(node.appendSigned(envelope(f, qi, { object: 'seg:1', body })));
    expect(bad.code).toBe('PIPE_OBJECT_INVALID');
    const wrongType = await refusal(node.appendSigned(envelope(f, qi, { object: PROJECT, body })));
    expect(wrongType.message).toMatch(/recorded on segment objects, not on a project/);
    await node.close();
  });

  it('refuses a role the profile does not let sign the kind', async () => {
    f = fixture();
    const node = await f.open();
    const qi = await appoint(node, f, ['QI', 'PM']);
    // The role table is judged with the operator's authority (core's code)…
    expect(
      await failureCodeAsync(
        node.appendSigned(envelope(f, qi, { role: 'PM', kind: 'construction.joint-made' })),
      ),
    ).toBe('ROLE_NOT_PERMITTED');
    // …and a lead appointment must be signed in the lead role of the party it names.
    const pm = await appoint(node, f, ['PM']);
    const lead = await refusal(
      node.appendUnsigned(
        {
          object: PROJECT,
          kind: 'party.lead-appointed',
          role: 'PM',
          time: T0 + HOUR,
          body: leadBody('owner'),
        },
        pm.seed,
      ),
    );
    expect(lead).toMatchObject({ code: 'PIPE_ROLE_NOT_PERMITTED', field: 'body.party' });
    await node.close();
  });

  it('accepts a well-formed record with no flags, and lets org.* records through to governance', async () => {
    f = fixture();
    const node = await f.open();
    const qi = await appoint(node, f, ['QI']);
    const ack = await node.appendSigned(envelope(f, qi));
    expect(ack.flags).toEqual([]);
    expect(ack.index).toBe(1);
    await node.close();
  });

  it('refuses to open with a profile the genesis does not name', async () => {
    f = fixture();
    expect(await failureCodeAsync(f.open({ profile: { ...pipeProfile, id: 'roads/1' } }))).toBe(
      'CONFIG_INVALID',
    );
  });

  it('uses the profile it is given', async () => {
    f = fixture();
    const seen: string[] = [];
    const node = await f.open({
      profile: {
        ...pipeProfile,
        checkAppend: (input) => {
          seen.push(input.candidate.entry.kind);
          return {
            ok: false,
            refusals: [{ code: 'X-TEST', message: 'refused by the test profile' }],
            flags: [],
          };
        },
      },
    });
    const qi = await appoint(node, f, ['QI']);
    expect((await refusal(node.appendSigned(envelope(f, qi)))).code).toBe('X-TEST');
    // org.* records are governance's: the profile is not asked about them.
    expect(seen).toEqual(['construction.joint-made']);
    await node.close();
  });
});

function leadBody(party: string): CborMap {
  return {
    party,
    name: `${party} lead`,
    creditCode: CREDIT_CODE,
    licence: `LIC-${party}`,
    idHash: 'ab'.repeat(32),
  };
}

describe('lifecycle rules on the causal closure', () => {
  const LEADS = [
    ['owner', 'OWN'],
    ['survey', 'SUR'],
    ['design', 'DES'],
    ['contractor', 'PM'],
    ['supervision', 'CSE'],
  ] as const;

  async function project(node: LedgerNode, skip?: string) {
    const signers = new Map<string, KeyPair>();
    for (const role of ['OWN', 'SUR', 'DES', 'PM', 'CSE', 'REV'])
      signers.set(role, await appoint(node, f, [role]));
    const at = (role: string) => signers.get(role) as KeyPair;
    let hours = 1;
    for (const [party, role] of LEADS) {
      if (party === skip) continue;
      await node.appendUnsigned(
        {
          object: PROJECT,
          kind: 'party.lead-appointed',
          role,
          time: T0 + hours++ * HOUR,
          body: leadBody(party),
        },
        at(role).seed,
      );
    }
    await node.appendUnsigned(
      {
        object: PROJECT,
        kind: 'design.review-passed',
        role: 'REV',
        time: T0 + hours++ * HOUR,
        body: { certificateNo: 'R-2026-017', scope: 'sewer drawings' },
      },
      at('REV').seed,
    );
    const start = () =>
      node.appendUnsigned(
        {
          object: PROJECT,
          kind: 'construction.started',
          role: 'CSE',
          time: T0 + 12 * HOUR,
          body: {
            startOrderNo: 'S-2026-001',
            startAt: T0 + 12 * HOUR,
            plannedCompletionAt: T0 + 120 * 24 * HOUR,
          },
        },
        at('CSE').seed,
      );
    return { at, start };
  }

  it('refuses a refusing rule (P-LEADS: a start order without all five leads) with its code', async () => {
    f = fixture();
    const node = await f.open();
    const { start } = await project(node, 'supervision');
    const before = node.size;
    const out = await refusal(start());
    expect(out.code).toBe('P-LEADS');
    expect(out.message).toMatch(/no lead appointed for supervision/);
    expect(out.field).toBeUndefined();
    expect(node.size).toBe(before);
    await node.close();
  });

  it('judges with the closure read back from the store after a restart', async () => {
    f = fixture();
    const node = await f.open();
    const { at } = await project(node);
    await node.close();
    // A cold node: every ancestor of the start order is read from LevelDB, none from memory.
    const reopened = await f.open();
    const ack = await reopened.appendUnsigned(
      {
        object: PROJECT,
        kind: 'construction.started',
        role: 'CSE',
        time: T0 + 12 * HOUR,
        body: {
          startOrderNo: 'S-2026-001',
          startAt: T0 + 12 * HOUR,
          plannedCompletionAt: T0 + 120 * 24 * HOUR,
        },
      },
      at('CSE').seed,
    );
    expect(ack.flags).toEqual([]);
    const trace = await reopened.trace(PROJECT);
    expect(toHex(trace.at(-1)?.id as Uint8Array)).toBe(ack.id);
    await reopened.close();
  });

  it('accepts a flagging rule’s breach (P-TRENCH, P-COVER) and returns the findings', async () => {
    f = fixture();
    const node = await f.open();
    const qi = await appoint(node, f, ['QI']);
    // Bedding on a trench nobody inspected: the record is the evidence, so it is kept and flagged.
    const bedding = await record(node, qi, 'QI', 'construction.bedding', sampleBody('construction.bedding'));
    expect(bedding.flags.map((x) => x.code)).toEqual(['P-TRENCH']);
    expect(bedding.flags[0]).toMatchObject({
      severity: 'error',
      entry: bedding.id,
      object: SEGMENT,
      kind: 'construction.bedding',
      message: expect.stringMatching(/no inspection\.trench-bottom/),
    });
    // Backfill with no hidden-works acceptance in its ancestry.
    const backfill = await record(
      node,
      qi,
      'QI',
      'construction.backfill-layer',
      sampleBody('construction.backfill-layer'),
      2,
    );
    expect(backfill.flags.map((x) => x.code)).toContain('P-COVER');
    const trace = await node.trace(SEGMENT);
    expect(trace.map((t) => toHex(t.id))).toEqual([bedding.id, backfill.id]);
    await node.close();
  });

  it('flags a late recording against the node clock (P-CONTEMPORANEOUS)', async () => {
    f = fixture();
    // The node's clock is a day and a half past the claimed time.
    const node = await f.open({ now: () => T0 + 36 * HOUR });
    const qi = await appoint(node, f, ['QI']);
    const ack = await record(
      node,
      qi,
      'QI',
      'construction.joint-made',
      sampleBody('construction.joint-made'),
    );
    expect(ack.flags.map((x) => x.code)).toEqual(['P-CONTEMPORANEOUS']);
    await node.close();
  });
});

describe('the operator identities the rules see', () => {
  it('reads each operator record once, however many appends ask at the same time', async () => {
    f = fixture();
    const node = await f.open();
    await appoint(node, f, ['QI']);
    await appoint(node, f, ['SE']);
    const book = new OperatorBook(node.store);
    await Promise.all(Array.from({ length: 8 }, () => book.refresh()));
    expect(book.identities().map((i) => i.roles)).toEqual([['QI'], ['SE']]);
    const third = await appoint(node, f, ['PM']);
    await Promise.all(Array.from({ length: 8 }, () => book.refresh()));
    expect(book.identities()).toHaveLength(3);
    expect(book.identities()[2]).toMatchObject({
      org: 'contractor',
      key: toHex(third.publicKey),
      roles: ['PM'],
    });
    await node.close();
  });

  it('knows an operator whose appointment is still waiting for its block', async () => {
    f = fixture();
    // Nothing is cut until flush: the appointment is queued when the record is judged.
    const node = await f.open({ blockIntervalMs: 60_000, blockMaxEntries: 10_000 });
    const qi = generateKeyPair();
    const appointing = node.appendUnsigned(
      {
        object: 'operators',
        kind: 'org.operator-appointed',
        role: 'ORG',
        time: T0,
        body: appointmentBody({
          operator: qi.publicKey,
          name: 'Wu Lan',
          roles: ['QI'],
          licence: 'L-2',
          idHash: new Uint8Array(32).fill(2),
          validFrom: T0,
          validUntil: T0 + 365 * 24 * HOUR,
        }),
      },
      f.nodeKey.seed,
    );
    while (node.pending < 1) await new Promise((resolve) => setImmediate(resolve));
    const recording = node.appendSigned(envelope(f, qi));
    while (node.pending < 2) await new Promise((resolve) => setImmediate(resolve));
    await node.flush();
    const [, ack] = await Promise.all([appointing, recording]);
    // P-SEPARATION would flag a signer with no appointment in force.
    expect(ack.flags).toEqual([]);
    await node.close();
  });
});
