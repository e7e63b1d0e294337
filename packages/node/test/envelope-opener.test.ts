/**
 * EnvelopeOpener: on worker threads and inline, `open` answers exactly what core's openEnvelope
 * returns or throws, and `summarise` answers the fields a replica needs (with each envelope's
 * Merkle leaf hash) or the first failure in envelope order, whichever chunk or worker finds it.
 */
import {
  buildEntry,
  type EntryDraft,
  generateKeyPair,
  leafHash,
  openEnvelope,
  signEntry,
  toHex,
} from '@liuhen/core';
import { sampleBody, sampleSegment } from '@liuhen/profile-pipe/scenario';
import { afterEach, describe, expect, it } from 'vitest';
import { EnvelopeOpener } from '../src/envelope-opener.ts';
import { T0 } from './fixtures.ts';

const network = new Uint8Array(32).fill(7);
const signer = generateKeyPair();
const openers: EnvelopeOpener[] = [];

afterEach(async () => {
  await Promise.all(openers.splice(0).map((o) => o.close()));
});

function opener(threads: number): EnvelopeOpener {
  const o = new EnvelopeOpener({ threads, network, maxBytes: 65_536 });
  openers.push(o);
  return o;
}

function envelope(i: number, draft: Partial<EntryDraft> = {}): Uint8Array {
  return signEntry(
    buildEntry({
      network,
      org: 'contractor',
      object: sampleSegment(i % 7),
      kind: 'construction.joint-made',
      time: T0 + i,
      signer: signer.publicKey,
      role: 'QI',
      parents: i % 3 === 0 ? [] : [new Uint8Array(32).fill(i % 251)],
      body: sampleBody('construction.joint-made', i),
      attachments:
        i % 5 === 0
          ? [{ sha256: new Uint8Array(32).fill(i % 256), size: i, type: 'image/jpeg', name: `p${i}.jpg` }]
          : [],
      ...draft,
    }),
    signer.seed,
  ).envelope;
}

async function failure(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return `${(error as { code?: string }).code}: ${(error as Error).message}`;
  }
  return 'resolved';
}

describe('EnvelopeOpener', () => {
  for (const threads of [0, 2]) {
    it(`summarises like openEnvelope, ${threads} worker threads`, async () => {
      const envelopes = Array.from({ length: 300 }, (_, i) => envelope(i));
      const summaries = await opener(threads).summarise(envelopes);
      expect(summaries).toHaveLength(envelopes.length);
      const attachments: string[] = [];
      for (const [i, e] of envelopes.entries()) {
        const { entry, id } = openEnvelope(e, { network });
        const s = summaries.at(i);
        expect(s && toHex(s.id)).toBe(toHex(id));
        expect(s && toHex(s.leaf)).toBe(toHex(leafHash(e)));
        expect(s && toHex(s.signer)).toBe(toHex(entry.signer));
        expect([s?.org, s?.object, s?.kind, s?.role, s?.time]).toEqual([
          entry.org,
          entry.object,
          entry.kind,
          entry.role,
          entry.time,
        ]);
        expect(s?.parents.map(toHex)).toEqual(entry.parents.map(toHex));
        attachments.push(...entry.attachments.map((a) => `${toHex(a.sha256)} ${a.size}`));
      }
      expect(summaries.attachments().map((a) => `${toHex(a.sha256)} ${a.size}`)).toEqual(attachments);
      expect(attachments.length).toBeGreaterThan(0);
    });

    it(`reports the first envelope that does not open, in order, ${threads} worker threads`, async () => {
      const envelopes = Array.from({ length: 300 }, (_, i) => envelope(i));
      // A bad signature late, a foreign network earlier: the earlier one is the answer.
      const forged = envelopes[250] as Uint8Array;
      const tampered = forged.slice();
      tampered[tampered.length - 1] = (tampered[tampered.length - 1] as number) ^ 1;
      envelopes[250] = tampered;
      envelopes[170] = envelope(170, { network: new Uint8Array(32).fill(9) });
      const expected = await failure(
        Promise.resolve().then(() => openEnvelope(envelopes[170] as Uint8Array, { network })),
      );
      expect(expected).toMatch(/^ENTRY_/);
      expect(await failure(opener(threads).summarise(envelopes))).toBe(expected);
      // `open` is unchanged: each envelope's own answer.
      const o = opener(threads);
      expect(await failure(o.open(tampered))).toBe(
        await failure(Promise.resolve().then(() => openEnvelope(tampered, { network }))),
      );
      const opened = await Promise.all(envelopes.slice(0, 10).map((e) => o.open(e)));
      expect(opened.map((s) => toHex(s.id))).toEqual(
        envelopes.slice(0, 10).map((e) => toHex(openEnvelope(e, { network }).id)),
      );
    });

    it(`applies each call's own entry size limit, ${threads} worker threads`, async () => {
      const o = opener(threads);
      const envelopes = Array.from({ length: 20 }, (_, i) => envelope(i));
      const largest = Math.max(...envelopes.map((e) => openEnvelope(e, { network }).entryBytes.length));
      const below = largest - 1;
      // Calls of one turn with different limits: each is answered under its own.
      const answers = await Promise.all([
        failure(o.open(envelopes[0] as Uint8Array, 200)),
        ...envelopes.map((e) => failure(o.open(e, largest))),
        failure(Promise.all(envelopes.map((e) => o.open(e, below)))),
      ]);
      expect(answers[0]).toMatch(/^ENTRY_TOO_LARGE: /);
      expect(answers.slice(1, -1)).toEqual(envelopes.map(() => 'resolved'));
      expect(answers.at(-1)).toMatch(/^ENTRY_TOO_LARGE: /);
      expect(await o.summarise(envelopes, largest)).toHaveLength(envelopes.length);
      expect(await failure(o.summarise(envelopes, below))).toMatch(/^ENTRY_TOO_LARGE: /);
      // Without a limit of its own, a call has the opener's.
      expect(await failure(opener(threads).open(envelopes[0] as Uint8Array))).toBe('resolved');
    });
  }
});
