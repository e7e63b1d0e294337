/**
 * Restricted fields and the sealed section (DESIGN §11) in the structural check: a restricted
 * field in plain is refused and reported whatever the entry is classified; a reader who opens a
 * sealed section also has its content checked against the kind.
 */
import { buildEntry, type CborMap, type SignedEntry, sealFields, signEntry } from '@liuhen/core';
import { describe, expect, it } from 'vitest';
import { evaluate, RESTRICTED_READER_PARTIES, restrictedReaders } from '../src/index.ts';
import { unsealedEntries } from '../src/scenario/index.ts';
import { History, id, startedProject, WATER } from './history.ts';

const POINTS = [{ name: 'P1', xM: 2_493_100, yM: 497_200, zM: 3.2 }];

/** A survey signed by the surveyor with `sealed` sealed to the owner and `plain` in the clear. */
function survey(h: History, time: number, plain: CborMap, sealed: CborMap): SignedEntry {
  const geo = h.cast.person('geo-zhao');
  const owner = h.cast.orgs.find((o) => o.id === 'owner');
  if (owner === undefined) throw new Error('no owner');
  const context = { network: h.network, org: geo.org, object: WATER, kind: 'survey.as-built' };
  const entry = buildEntry({
    ...context,
    time,
    signer: geo.key,
    role: 'GEO',
    body: plain,
    parents: h.w.heads(WATER),
    classification: 'restricted',
    sealed: sealFields(sealed, [{ org: 'owner', publicKey: owner.encryptionKey.publicKey }], context),
  });
  const signed = signEntry(entry, geo.seed);
  h.w.entries.push(signed);
  return signed;
}

function structureOf(h: History, reader: boolean) {
  const entries = reader ? unsealedEntries({ entries: h.entries, orgs: h.cast.orgs }) : h.entries;
  return evaluate({ entries, asOf: h.entries.at(-1)?.entry.time ?? 0 }).findings.filter((f) =>
    f.code.startsWith('PIPE_'),
  );
}

describe('restricted fields and the sealed section', () => {
  it('a restricted field in plain is a finding whatever the entry is classified, so the inspector flags it', () => {
    const h = new History();
    const { at } = startedProject(h);
    const plain = h.add(
      'geo-zhao',
      'GEO',
      WATER,
      'survey.as-built',
      at(21),
      { points: POINTS, planAccuracyMm: 30, heightAccuracyMm: 20 },
      { classification: 'restricted', inPlain: true },
    );
    expect(structureOf(h, false).map((f) => [f.code, f.entry])).toEqual([['PIPE_CLASSIFICATION', id(plain)]]);
  });

  it('an opened section must hold restricted fields only, not repeat plain ones, and complete the body', () => {
    const h = new History();
    const { at } = startedProject(h);
    const sealedPublic = survey(
      h,
      at(21),
      {},
      { chainage: [0, 48], points: POINTS, planAccuracyMm: 30, heightAccuracyMm: 20 },
    );
    const incomplete = survey(h, at(22), {}, { points: POINTS, planAccuracyMm: 30 });
    // Without the key only the plain part can be judged, and it is well-formed.
    expect(structureOf(h, false)).toEqual([]);
    const opened = structureOf(h, true);
    expect(opened.map((f) => [f.code, f.entry])).toEqual([
      ['PIPE_CLASSIFICATION', id(sealedPublic)],
      ['PIPE_BODY_INVALID', id(incomplete)],
    ]);
    expect(opened[0]?.message).toBe(
      'sealed.chainage is not restricted in survey.as-built and belongs in the plain body',
    );
    expect(opened[1]?.message).toMatch(
      /^survey\.as-built \(with its sealed fields\) body\.heightAccuracyMm: missing/,
    );
  });

  it('a sealed field that repeats a plain one is refused for the reader who sees both', () => {
    const h = new History();
    const { at } = startedProject(h);
    const twice = survey(
      h,
      at(21),
      { chainage: [0, 48] },
      { chainage: [0, 10], points: POINTS, planAccuracyMm: 30, heightAccuracyMm: 20 },
    );
    expect(structureOf(h, true).map((f) => [f.code, f.message])).toEqual([
      ['PIPE_BODY_INVALID', 'survey.as-built sealed.chainage: repeats a field of the plain body'],
    ]);
    expect(structureOf(h, false)).toEqual([]);
    expect(twice.entry.sealed).toBeDefined();
  });

  it('are read by the author and the parties the profile names (owner, survey, design, supervision, QSA, archive)', () => {
    const h = new History();
    expect(RESTRICTED_READER_PARTIES).toEqual(['owner', 'survey', 'design', 'supervision', 'qsa', 'archive']);
    expect(restrictedReaders('contractor', h.cast.orgs)).toEqual([
      'archive',
      'contractor',
      'design',
      'owner',
      'qsa',
      'supervision',
      'survey',
    ]);
    expect(restrictedReaders('lab', h.cast.orgs, ['archive'])).toEqual(['archive', 'lab']);
  });
});
