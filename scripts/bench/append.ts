/**
 * append.durable and append.durable.restricted: LedgerNode over a LedgerStore in this process,
 * pre-signed envelopes appended with many calls in flight, each call resolving only once its
 * block is fsynced. Both come from one series of runs over the same envelopes, each run on a
 * fresh store: plain, sealed, sealed, plain (plain, sealed, plain with `--quick`), so the ratio
 * of the two rates holds on a shared machine and no run is made twice.
 */
import {
  type CborMap,
  equalBytes,
  generateEncryptionKeyPair,
  openEnvelope,
  type SealRecipient,
  sealFields,
  signEntry,
} from '@liuhen/core';
import type { LedgerNode } from '../../packages/node/src/index.ts';
import { LedgerStore } from '../../packages/store/src/index.ts';
import type { Suite } from './harness.ts';
import { appoint, type BenchNetwork, createNetwork, openNode } from './node-fixture.ts';
import { cpuMicros, fmt, log, perCore, signEnvelopes, tempDir } from './node-measure.ts';

/** The as-built geometry a sealed entry of append.durable.restricted carries (about 200 bytes). */
const SEALED_FIELDS: CborMap = {
  points: [
    { name: 'GCP-1', xM: 500_123.4567, yM: 2_501_987.6543, zM: 3.8125 },
    { name: 'GCP-2', xM: 500_171.0931, yM: 2_502_010.2219, zM: 3.6875 },
  ],
  planAccuracyMm: 12,
  heightAccuracyMm: 8,
};

interface Run {
  readonly seconds: number;
  readonly cpuPerEntry: number;
  readonly blocks: number;
}

/** Appends every envelope with `concurrency` calls in flight; resolves when all are durable. */
async function appendAll(
  node: LedgerNode,
  envelopes: readonly Uint8Array[],
  concurrency: number,
  beforeAppend?: (i: number) => void,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < envelopes.length) {
      const i = next++;
      beforeAppend?.(i);
      await node.appendSigned(envelopes[i] as Uint8Array);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, envelopes.length) }, worker));
}

/**
 * One durable append run over a fresh store: the first `objects` envelopes (no parents yet) warm
 * up, the rest, each naming a committed parent, are timed. `beforeAppend` runs in the timed loop
 * before envelope i is appended.
 */
async function timedAppend(
  net: BenchNetwork,
  envelopes: readonly Uint8Array[],
  objects: number,
  concurrency: number,
  beforeAppend?: (i: number) => void,
): Promise<Run> {
  const dir = tempDir('append');
  const store = await LedgerStore.open(dir.path);
  const node = await openNode(store, net);
  try {
    await appoint(node, net);
    await appendAll(node, envelopes.slice(0, objects), concurrency);
    const height = node.height;
    const timed = envelopes.slice(objects);
    const started = performance.now();
    const cpu = cpuMicros();
    await appendAll(node, timed, concurrency, beforeAppend && ((i) => beforeAppend(objects + i)));
    return {
      seconds: (performance.now() - started) / 1000,
      cpuPerEntry: (cpuMicros() - cpu) / timed.length,
      blocks: node.height - height,
    };
  } finally {
    await node.close();
    dir.remove();
  }
}

/**
 * The restricted twin of `envelopes`: 10% of the timed entries re-signed with a sealed section
 * (as-built geometry) wrapped to three orgs' X25519 keys, and the sealing context of each, which
 * the timed loop seals once more, so the rate pays what a node pays when it seals an unsigned
 * request (a data key, the AEAD, one X25519 per recipient plus one), besides storing the larger
 * envelope. The sealed entries are among the last round of each segment's chain: no later entry
 * names them as a parent, so re-signing them breaks no chain.
 */
function sealTenPercent(net: BenchNetwork, envelopes: readonly Uint8Array[], objects: number) {
  const total = envelopes.length;
  const recipients: SealRecipient[] = ['archive', 'contractor', 'supervision'].map((org) => ({
    org,
    publicKey: generateEncryptionKeyPair().publicKey,
  }));
  const sealedCount = Math.round((total - objects) / 10);
  const restricted = envelopes.slice();
  const contexts = new Map<number, { network: Uint8Array; org: string; object: string; kind: string }>();
  for (let k = 0; k < sealedCount; k++) {
    const n = total - 1 - k * Math.floor(objects / sealedCount);
    const { entry } = openEnvelope(envelopes[n] as Uint8Array);
    const context = { network: entry.network, org: entry.org, object: entry.object, kind: entry.kind };
    contexts.set(n, context);
    const resealed = {
      ...entry,
      classification: 'restricted' as const,
      sealed: sealFields(SEALED_FIELDS, recipients, context),
    };
    const seed = net.operatorSeeds[net.operatorKeys.findIndex((k) => equalBytes(k, entry.signer))];
    if (seed === undefined) throw new Error(`entry ${n} is signed by no operator of the network`);
    restricted[n] = signEntry(resealed, seed).envelope;
  }
  const sealAgain = (n: number) => {
    const context = contexts.get(n);
    if (context !== undefined) sealFields(SEALED_FIELDS, recipients, context);
  };
  return { restricted, sealedCount, sealAgain };
}

/** Entries per second over runs of `timed` entries each. */
const rateOf = (runs: readonly Run[], timed: number) =>
  (runs.length * timed) / runs.reduce((sum, r) => sum + r.seconds, 0);
const meanCpu = (runs: readonly Run[]) => runs.reduce((sum, r) => sum + r.cpuPerEntry, 0) / runs.length;

export const appendSuite: Suite = {
  names: ['append.durable', 'append.durable.restricted'],
  async run({ quick }) {
    const objects = quick ? 4_000 : 20_000;
    const total = quick ? 12_000 : 170_000;
    const timed = total - objects;
    // Half as many in flight as segments: an entry is taken only after half a round of later
    // entries has been acknowledged, so its parent (a round earlier) is committed even when the
    // verify threads reorder completions on a loaded machine (PARENT_UNKNOWN otherwise).
    const concurrency = Math.min(5_000, objects / 2);
    const net = createNetwork();
    const { envelopes } = await signEnvelopes(net, total, objects);
    const { restricted, sealedCount, sealAgain } = sealTenPercent(net, envelopes, objects);
    const plainRun = () => timedAppend(net, envelopes, objects, concurrency);
    const sealedRun = () => timedAppend(net, restricted, objects, concurrency, sealAgain);
    // The machine's load drifts; with the plain runs on both sides of the sealed ones, a linear
    // drift cancels out of the ratio. CPU per entry, over all threads, does not depend on the
    // load at all. Quick mode makes one sealed run instead of two.
    const plain: Run[] = [await plainRun()];
    const sealed: Run[] = [await sealedRun()];
    if (!quick) sealed.push(await sealedRun());
    plain.push(await plainRun());
    const [plainRate, sealedRate] = [rateOf(plain, timed), rateOf(sealed, timed)];
    const [plainCpu, sealedCpu] = [meanCpu(plain), meanCpu(sealed)];
    const blocks = plain.reduce((sum, r) => sum + r.blocks, 0) / plain.length;
    log(
      `append.durable: ${fmt(timed)} entries per run in ${plain.map((r) => r.seconds.toFixed(2)).join(' and ')} s, ` +
        `${fmt(blocks)} blocks (${fmt(timed / blocks)} entries/block), ${concurrency} appends in flight; ` +
        `CPU ${plainCpu.toFixed(0)} µs per entry over all threads (${perCore(plainCpu)})`,
    );
    log(
      `append.durable.restricted: ${fmt(timed)} entries (${fmt(sealedCount)} sealed to 3 orgs) per run, ` +
        `${fmt(sealedRate)}/s and CPU ${sealedCpu.toFixed(0)} µs per entry; plain in the same run ` +
        `(${quick ? 'plain, sealed, plain' : 'plain, sealed, sealed, plain'}): ${fmt(plainRate)}/s; ` +
        `ratio ${((100 * sealedRate) / plainRate).toFixed(1)}% by rate, ` +
        `${((100 * plainCpu) / sealedCpu).toFixed(1)}% by CPU per entry (target ≥ 85%)`,
    );
    return [
      { name: 'append.durable', value: plainRate, unit: 'entries/s' },
      { name: 'append.durable.restricted', value: sealedRate, unit: 'entries/s' },
    ];
  },
};
