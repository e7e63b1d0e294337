/**
 * A pipe-profile scenario (packages/profile-pipe's generator) written into org logs the way the
 * department nodes would write them: each org's operator appointments first, then every entry in
 * its own block, cut when it was recorded and cosigned by a majority of the other orgs at the
 * scenario's first-witnessed time — so a late recording is late in the logs too.
 */
import { type BlockHeader, toHex } from '@liuhen/core';
import type { Scenario } from '@liuhen/profile-pipe/scenario';
import { MemoryLedger } from '../src/index.ts';

/** Where the logs go: a MemoryLedger, or a recorder of blocks for a node's store. */
export interface ScenarioSink {
  /** Cuts `envelopes` as the org's next block, signed with the org node key `seed`. */
  append(
    org: string,
    envelopes: readonly Uint8Array[],
    options: { seed: Uint8Array; time: number },
  ): BlockHeader;
  /** `witness` cosigns the org's latest block at `timestamp` seconds. */
  cosign(org: string, witness: string, seed: Uint8Array, timestamp: number): unknown;
  putAttachment(data: Uint8Array): unknown;
}

export function writeScenario(s: Scenario, sink: ScenarioSink): void {
  const ids = s.orgs.map((o) => o.id);
  const seeds = new Map(s.orgs.map((o) => [o.id, o.nodeSeed]));
  const majority = Math.floor((ids.length - 1) / 2) + 1;
  let turn = 0;
  const cut = (org: string, envelopes: Uint8Array[], time: number, witnessedAt: number) => {
    const header = sink.append(org, envelopes, { seed: seeds.get(org) as Uint8Array, time });
    const others = ids.filter((id) => id !== org);
    // A different majority each time, as real witnesses come and go.
    for (let k = 0; k < majority; k++) {
      const witness = others[(turn + k) % others.length] as string;
      sink.cosign(
        org,
        witness,
        seeds.get(witness) as Uint8Array,
        Math.floor(Math.max(witnessedAt, header.time) / 1000),
      );
    }
    turn++;
  };
  for (const org of ids) {
    const appointments = s.appointments.filter((a) => a.entry.org === org);
    if (appointments.length === 0) continue;
    const time = Math.min(...appointments.map((a) => a.entry.time));
    cut(
      org,
      appointments.map((a) => a.envelope),
      time,
      time + 60_000,
    );
  }
  const logged = s.entries.map((e) => {
    const witnessed = s.firstWitnessed.get(toHex(e.id)) ?? e.entry.time + 60_000;
    return { e, witnessed, at: Math.max(e.entry.time, witnessed - 30_000) };
  });
  logged.sort((a, b) => a.at - b.at);
  for (const { e, witnessed, at } of logged) cut(e.entry.org, [e.envelope], at, witnessed);
  for (const data of s.blobs.values()) sink.putAttachment(data);
}

export function scenarioLedger(s: Scenario): MemoryLedger {
  const ledger = new MemoryLedger(s.genesisBytes);
  writeScenario(s, ledger);
  return ledger;
}
