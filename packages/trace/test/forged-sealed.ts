/**
 * Entries a scenario does not write, appended to its ledger for tests of how verification reads
 * sealed sections: surveys whose restricted fields an author got wrong (`altered`, the ciphertext
 * was altered after sealing and the result signed, so signature and inclusion verify and only the
 * AEAD fails; `plain`, the restricted fields left in the plain body of an entry classified
 * restricted), and an access grant.
 */
import {
  buildEntry,
  buildGrant,
  type CborMap,
  grantWraps,
  sealContext,
  sealFields,
  signEntry,
  toHex,
} from '@liuhen/core';
import type { Scenario } from '@liuhen/profile-pipe/scenario';
import type { MemoryLedger } from '../src/index.ts';

const RESTRICTED: CborMap = {
  points: [{ name: 'P1', xM: 2_493_100, yM: 497_200, zM: 3.2 }],
  planAccuracyMm: 20,
  heightAccuracyMm: 10,
};

/**
 * A further survey of `object` by its surveyor, appended to the surveyor's org log and witnessed
 * by a majority; returns its id (hex).
 */
export function forgeSurvey(
  scenario: Scenario,
  ledger: MemoryLedger,
  object: string,
  fault: 'altered' | 'plain' = 'altered',
): string {
  const geo = scenario.people.find((p) => p.handle === 'geo-zhao');
  const org = scenario.orgs.find((o) => o.id === geo?.org);
  if (geo === undefined || org === undefined) throw new Error('no surveyor');
  const { heads, time } = headsOf(scenario, object);
  const context = { network: scenario.network, org: org.id, object, kind: 'survey.as-built' };
  let sections: { body: CborMap; sealed?: CborMap } = { body: RESTRICTED };
  if (fault === 'altered') {
    const sealed = sealFields(
      RESTRICTED,
      scenario.orgs.map((o) => ({ org: o.id, publicKey: o.encryptionKey.publicKey })),
      context,
    );
    const ciphertext = (sealed.ciphertext as Uint8Array).slice();
    ciphertext[0] = (ciphertext[0] as number) ^ 0x01;
    sections = { body: {}, sealed: { ...sealed, ciphertext } };
  }
  const signed = signEntry(
    buildEntry({
      ...context,
      time,
      signer: geo.key,
      role: 'GEO',
      parents: heads,
      classification: 'restricted',
      ...sections,
    }),
    geo.seed,
  );
  logged(scenario, ledger, org.id, signed.envelope, time);
  return toHex(signed.id);
}

/** The object's DAG heads, and a time after every block the scenario's logs hold. */
function headsOf(scenario: Scenario, object: string): { heads: Uint8Array[]; time: number } {
  const own = scenario.entries.filter((e) => e.entry.object === object);
  const cited = new Set(own.flatMap((e) => e.entry.parents.map(toHex)));
  const latest = Math.max(...scenario.entries.map((e) => e.entry.time), ...scenario.firstWitnessed.values());
  return { heads: own.filter((e) => !cited.has(toHex(e.id))).map((e) => e.id), time: latest + 3_600_000 };
}

/** Cuts `envelope` as the org's next block and has a majority of the other orgs witness it. */
function logged(scenario: Scenario, ledger: MemoryLedger, org: string, envelope: Uint8Array, time: number) {
  const seed = scenario.orgs.find((o) => o.id === org)?.nodeSeed as Uint8Array;
  ledger.append(org, [envelope], { seed, time: time + 60_000 });
  const witnesses = scenario.orgs.filter((o) => o.id !== org).slice(0, Math.ceil(scenario.orgs.length / 2));
  for (const w of witnesses) ledger.cosign(org, w.id, w.nodeSeed, Math.floor((time + 120_000) / 1000));
}

/**
 * An `org.access-grant` by `grantor` (a recipient of the sealed entry `target`) wrapping its data
 * key to `grantee`'s encryption key, signed by the grantor's node key; returns its id (hex).
 */
export function grantAccess(
  scenario: Scenario,
  ledger: MemoryLedger,
  target: string,
  grantor: string,
  grantee: string,
): string {
  const original = scenario.entries.find((e) => toHex(e.id) === target);
  const by = scenario.orgs.find((o) => o.id === grantor);
  const to = scenario.orgs.find((o) => o.id === grantee);
  if (original === undefined || by === undefined || to === undefined) throw new Error('no such entry or org');
  const wraps = grantWraps(
    original.entry.sealed,
    { org: by.id, keys: by.encryptionKey },
    [{ org: to.id, publicKey: to.encryptionKey.publicKey }],
    sealContext(original.entry, original.id),
  );
  const { heads, time } = headsOf(scenario, original.entry.object);
  const grant = buildGrant(
    { org: by.id, signer: by.nodeKey, time, parents: heads, reason: 'incident review' },
    original,
    wraps,
  );
  const signed = signEntry(grant, by.nodeSeed);
  logged(scenario, ledger, by.id, signed.envelope, time);
  return toHex(signed.id);
}
