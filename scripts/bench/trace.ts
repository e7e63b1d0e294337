/**
 * Trace results (issue 7): `bundle.verify.p50`, the milliseconds to verify a 200-entry object's
 * bundle completely (rules included when the pipe profile is present), and `replay.at.p50`, the
 * milliseconds to reconstruct a 2,000-entry object's state at a time T.
 *
 * With packages/profile-pipe present, the histories are its scenario generator's (a segment of
 * 205 entries over 25 years; one of 2,000 with monthly-and-more patrols), written into org logs as
 * the nodes would (packages/trace/test/scenario-ledger.ts): every entry in its own block, each
 * block cosigned by a majority of the eleven other orgs. Without it, a synthetic network: five
 * orgs, every object entry in its own block among 20 entries of other objects, each block
 * cosigned by the four other orgs. Bundles carry the default (minimal) cosignatures, and are
 * cached under .bench/ (bundle-cache.ts).
 */
import { buildEntry, parseSignedNote, publicKeyFromSeed, sha256, signEntry, utf8 } from '@liuhen/core';
import {
  appointmentBody,
  creditCodeCheckCharacter,
  DEFAULT_PARAMETERS,
  encodeGenesis,
  nationalIdHash,
} from '../../packages/governance/src/index.ts';
import {
  assembleBundle,
  type Bundle,
  hooksFromProfile,
  MemoryLedger,
  type ProfileHooks,
  Replay,
  verifyBundle,
} from '../../packages/trace/src/index.ts';
import { cachedBundle } from './bundle-cache.ts';
import type { BenchResult, Suite } from './harness.ts';

const seedOf = (label: string) => sha256(utf8(`bench ${label}`));
const keyOf = (label: string) => publicKeyFromSeed(seedOf(label));
const T0 = Date.UTC(2024, 0, 8, 1);
const ORGS = ['contractor', 'design', 'lab', 'owner', 'supervision'] as const;
/** Who writes what: org, operator label, role, kind. */
const WRITERS = [
  ['contractor', 'qi', 'QI', 'construction.joint-made'],
  ['contractor', 'qi', 'QI', 'construction.backfill-layer'],
  ['supervision', 'se', 'SE', 'inspection.hidden-works-accepted'],
  ['contractor', 'pm', 'PM', 'test.closed-water'],
  ['lab', 'lab', 'LAB', 'material.sample-tested'],
  ['owner', 'own', 'OWN', 'om.patrol'],
  ['design', 'des', 'DES', 'design.revised'],
] as const;
const ROLES: Record<string, string> = { qi: 'QI', pm: 'PM', se: 'SE', lab: 'LAB', own: 'OWN', des: 'DES' };
const FILLER_PER_BLOCK = 20;

interface Fixture {
  readonly ledger: MemoryLedger;
  readonly object: string;
  readonly asOf: number;
  /** The time T of replay.at. */
  readonly at: number;
}

/** The pipe profile and its scenarios, or undefined where packages/profile-pipe is absent. */
async function pipeFixtures(): Promise<
  { profile: ProfileHooks; fixture: (entries: number, patrolsPerYear: number) => Fixture } | undefined
> {
  try {
    const profileModule: string = '../../packages/profile-pipe/src/index.ts';
    const scenarioModule: string = '../../packages/profile-pipe/src/scenario/index.ts';
    const { pipeProfile } = (await import(profileModule)) as {
      pipeProfile: Parameters<typeof hooksFromProfile>[0];
    };
    const { generateScenario } = (await import(
      scenarioModule
    )) as typeof import('../../packages/profile-pipe/src/scenario/index.ts');
    const { scenarioLedger } = await import('../../packages/trace/test/scenario-ledger.ts');
    return {
      profile: hooksFromProfile(pipeProfile),
      fixture: (entries, patrolsPerYear) => {
        const scenario = generateScenario({ segments: 3, patrolsPerYear });
        const counts = new Map<string, number[]>();
        for (const e of scenario.entries)
          counts.set(e.entry.object, [...(counts.get(e.entry.object) ?? []), e.entry.time]);
        const [object, times] = [...counts].sort(
          (a, b) => Math.abs(a[1].length - entries) - Math.abs(b[1].length - entries),
        )[0] as [string, number[]];
        const sorted = times.sort((a, b) => a - b);
        return {
          ledger: scenarioLedger(scenario),
          object,
          asOf: scenario.asOf,
          at: sorted[Math.floor(sorted.length * 0.75)] as number,
        };
      },
    };
  } catch {
    return undefined;
  }
}

function network(): MemoryLedger {
  const genesis = encodeGenesis({
    version: 1,
    name: 'bench network',
    profile: 'pipe/1',
    created: T0 - 365 * 86_400_000,
    authorities: { keys: [keyOf('authority')], threshold: 1 },
    orgs: ORGS.map((id, i) => {
      const first17 = `91440300MA5F0000${i + 1}`;
      return {
        id,
        name: `${id} Co.`,
        creditCode: first17 + creditCodeCheckCharacter(first17),
        nodeKey: keyOf(`${id} node`),
        parties: [id === 'lab' ? 'lab' : id],
        bootstrap: [],
      };
    }),
    parameters: DEFAULT_PARAMETERS,
  } as never);
  return new MemoryLedger(genesis);
}

function cut(ledger: MemoryLedger, org: string, envelopes: Uint8Array[], time: number): void {
  const header = ledger.append(org, envelopes, { seed: seedOf(`${org} node`), time });
  for (const w of ORGS) {
    if (w !== org) ledger.cosign(org, w, seedOf(`${w} node`), Math.floor((header.time + 90_000) / 1000));
  }
}

/** One object of `n` entries, each in its own block among other objects' entries. */
export function objectLedger(n: number): { ledger: MemoryLedger; object: string; times: number[] } {
  const ledger = network();
  for (const org of ORGS) {
    const operators = Object.keys(ROLES).filter((label) =>
      WRITERS.some(([o, l]) => o === org && l === label),
    );
    const envelopes = operators.map(
      (label) =>
        signEntry(
          buildEntry({
            network: ledger.network,
            org,
            object: `operator:${label}`,
            kind: 'org.operator-appointed',
            time: T0 - 30 * 86_400_000,
            signer: keyOf(`${org} node`),
            role: 'ORG',
            body: appointmentBody({
              operator: keyOf(label),
              name: `operator ${label}`,
              roles: [ROLES[label] as string],
              licence: `LIC-${label}`,
              idHash: nationalIdHash(seedOf(`salt ${label}`), `id ${label}`),
              validFrom: T0 - 60 * 86_400_000,
              validUntil: T0 + 40 * 365 * 86_400_000,
            }),
          }),
          seedOf(`${org} node`),
        ).envelope,
    );
    if (envelopes.length > 0) cut(ledger, org, envelopes, T0 - 30 * 86_400_000);
  }
  const object = 'SZ-WS000123-WS000124#1';
  const times: number[] = [];
  let parents: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const [org, label, role, kind] = WRITERS[i % WRITERS.length] as (typeof WRITERS)[number];
    const time = T0 + i * 6 * 3_600_000;
    times.push(time);
    const signed = signEntry(
      buildEntry({
        network: ledger.network,
        org,
        object,
        kind,
        time,
        signer: keyOf(label),
        role,
        parents,
        body: {
          seq: i,
          joint: `J${String(i % 40).padStart(2, '0')}`,
          chainage: [i % 40, (i % 40) + 6],
          pass: true,
        },
        attachments: [
          { sha256: sha256(utf8(`photo ${i}`)), size: 180_000 + i, type: 'image/jpeg', name: `p${i}.jpg` },
        ],
      }),
      seedOf(label),
    );
    // Every tenth entry starts a concurrent branch that the next one merges.
    parents = i % 10 === 3 ? parents : [signed.id];
    const filler = Array.from(
      { length: FILLER_PER_BLOCK },
      (_, k) =>
        signEntry(
          buildEntry({
            network: ledger.network,
            org,
            object: `other:${i}:${k}`,
            kind,
            time,
            signer: keyOf(label),
            role,
            body: { seq: k },
          }),
          seedOf(label),
        ).envelope,
    );
    cut(ledger, org, [...filler.slice(0, 10), signed.envelope, ...filler.slice(10)], time + 60_000);
  }
  return { ledger, object, times };
}

/** Entry signatures, plus every signature line (org and witnesses) on the checkpoints. */
function signatureCount(bundle: Bundle): number {
  return bundle.logs.reduce(
    (n, log) =>
      n +
      log.entries.length +
      log.checkpoints.reduce((m, c) => m + parseSignedNote(c.note).signatures.length, 0),
    0,
  );
}

function median(xs: number[]): number {
  return xs.sort((a, b) => a - b)[xs.length >> 1] as number;
}

function timed(runs: number, fn: () => unknown): number {
  fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    ms.push(performance.now() - start);
  }
  return median(ms);
}

function syntheticFixture(entries: number): Fixture {
  const { ledger, object, times } = objectLedger(entries);
  const last = times.at(-1) as number;
  return { ledger, object, asOf: last + 86_400_000, at: times[Math.floor(times.length * 0.75)] as number };
}

/** Progress on stderr: building the bundles the first time takes a while. */
const log = (line: string) => console.error(`[trace bench] ${line}`);

export const traceSuite: Suite = {
  names: ['bundle.verify.p50', 'bundle.verify.signatures', 'replay.at.p50'],
  async run({ quick }): Promise<BenchResult[]> {
    const pipe = await pipeFixtures();
    const profile = pipe?.profile;
    const options = profile === undefined ? {} : { profile };
    // Fixtures are cached as their bundles: only the bundles are measured.
    const fixture = (entries: number, patrols: number) =>
      cachedBundle(
        `${pipe ? 'pipe' : 'synthetic'}-${entries}`,
        async () => {
          const f = pipe?.fixture(entries, patrols) ?? syntheticFixture(entries);
          return { bundle: await assembleBundle(f.ledger, f.object), asOf: f.asOf, at: f.at };
        },
        log,
      );

    const small = await fixture(200, 6);
    const verifyMs = timed(quick ? 10 : 40, () =>
      verifyBundle(small.bundle, { ...options, asOf: small.asOf }),
    );

    const large = await fixture(2_000, 78);
    const verification = verifyBundle(large.bundle, { ...options, asOf: large.asOf });
    const replayMs = timed(quick ? 10 : 40, () => new Replay(verification, profile).stateAt(large.at));
    const rules = profile === undefined ? ' (no profile present: integrity checks only)' : '';
    return [
      { name: 'bundle.verify.p50', value: verifyMs, unit: `ms${rules}` },
      // The floor under bundle.verify: each is one Ed25519 verification (bound.verify per second).
      {
        name: 'bundle.verify.signatures',
        value: signatureCount(small.bundle),
        unit: 'Ed25519 verifications',
      },
      { name: 'replay.at.p50', value: replayMs, unit: 'ms' },
    ];
  },
};
