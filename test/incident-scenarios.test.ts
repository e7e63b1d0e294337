/**
 * The domain document's five incident-review scenarios through the whole stack: the generator's
 * history goes into a department node's store the way replication puts it there (every block
 * and cosignature through NodeReplicaStore's checks), the daemon serves the segment's bundle
 * over HTTP, and `liuhen-inspect` and `liuhen-replay` answer each scenario's questions from it.
 *
 * The blocks are cut and cosigned at the scenario's own (historical) times, so late recordings
 * stay late; a live network would stamp today's time on them.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { incidentScenario, type PresetName, type Scenario } from '@liuhen/profile-pipe/scenario';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../apps/inspector/test/cli.ts';
import {
  type Block,
  type BlockHeader,
  cosign,
  cutBlock,
  emptyLogState,
  type LogState,
} from '../packages/core/src/index.ts';
import { decodeGenesis } from '../packages/governance/src/index.ts';
import { generateSwarmKey } from '../packages/net/src/pnet.ts';
import { initDataDir, paths } from '../packages/node/src/index.ts';
import { NodeReplicaStore } from '../packages/node/src/replica-store.ts';
import { BlobStore, LedgerStore } from '../packages/store/src/index.ts';
import { type ScenarioSink, writeScenario } from '../packages/trace/test/scenario-ledger.ts';
import {
  configureNode,
  issueToken,
  PASSPHRASE,
  type RunningNode,
  removeDir,
  startNode,
  stopAll,
} from '../scripts/lib/node-process.ts';

const INSPECT = 'apps/inspector/bin/liuhen-inspect.js';
const REPLAY = 'apps/replay/bin/liuhen-replay.js';
/** The department whose node the review board asks: the quality supervision station. */
const OWN_ORG = 'qsa';

interface Finding {
  code: string;
  severity: string;
  subject: { entry?: string };
  message: string;
}

/** Blocks and cosignatures in the order the scenario writes them, for a node's replica store. */
class BlockRecorder implements ScenarioSink {
  readonly steps: Array<
    | { org: string; block: Block }
    | {
        org: string;
        witness: string;
        cosignature: ReturnType<typeof cosign>;
        header: BlockHeader;
        timestamp: number;
      }
  > = [];
  readonly attachments: Uint8Array[] = [];
  readonly #states = new Map<string, LogState>();
  readonly #latest = new Map<string, BlockHeader>();

  constructor(readonly network: Uint8Array) {}

  append(
    org: string,
    envelopes: readonly Uint8Array[],
    options: { seed: Uint8Array; time: number },
  ): BlockHeader {
    const { block, state } = cutBlock(this.#states.get(org) ?? emptyLogState(), envelopes, {
      network: this.network,
      org,
      seed: options.seed,
      time: options.time,
      governance: { seq: 0, hash: this.network },
    });
    this.#states.set(org, state);
    this.#latest.set(org, block.header);
    this.steps.push({ org, block });
    return block.header;
  }

  cosign(org: string, witness: string, seed: Uint8Array, timestamp: number): void {
    const header = this.#latest.get(org) as BlockHeader;
    this.steps.push({
      org,
      witness,
      header,
      timestamp,
      cosignature: cosign(header.text, witness, seed, timestamp),
    });
  }

  putAttachment(data: Uint8Array): void {
    this.attachments.push(data);
  }
}

/** A data directory of the qsa department holding the whole scenario, as replication leaves it. */
async function nodeWithScenario(s: Scenario): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'liuhen-incident-'));
  const own = s.orgs.find((o) => o.id === OWN_ORG);
  if (own === undefined) throw new Error(`the scenario has no ${OWN_ORG}`);
  initDataDir(dir, OWN_ORG, PASSPHRASE, own.nodeSeed);
  writeFileSync(paths(dir).genesis, s.genesisBytes);
  // Replication on, alone: the node serves the cosignatures it holds only with it.
  writeFileSync(join(dir, 'swarm.key'), generateSwarmKey(), { mode: 0o600 });
  configureNode(dir, { p2p: { listen: ['/ip4/127.0.0.1/tcp/0'], pskFile: 'swarm.key', bootstrap: [] } });
  const recorder = new BlockRecorder(s.network);
  writeScenario(s, recorder);
  const store = await LedgerStore.open(paths(dir).db);
  const replica = await NodeReplicaStore.open({
    store,
    genesis: decodeGenesis(s.genesisBytes),
    ownOrg: OWN_ORG,
    cosignaturesFile: paths(dir).cosignatures,
    fraudProofsFile: paths(dir).fraudProofs,
    acceptOwnBlocks: true,
  });
  try {
    // Blocks one after another, as each extends the one before; the cosignatures of all of them
    // at once, so the node's cosignature file writes them in a few group commits.
    const cosignatures: Promise<boolean>[] = [];
    for (const step of recorder.steps) {
      if ('block' in step) {
        await replica.accept(step.org, step.block);
      } else {
        cosignatures.push(
          replica.addCosignature({
            org: step.org,
            checkpoint: step.header.text,
            size: step.header.size,
            witness: step.witness,
            signature: step.cosignature,
            timestamp: step.timestamp,
          }),
        );
      }
    }
    expect(await Promise.all(cosignatures)).not.toContain(false);
    const blobs = new BlobStore(paths(dir).blobs);
    for (const data of recorder.attachments) {
      await blobs.put(
        (async function* () {
          yield data;
        })(),
        { maxBytes: data.length },
      );
    }
  } finally {
    await replica.close();
    await store.close();
  }
  return dir;
}

afterAll(() => stopAll());

interface ReportEntry {
  id: string;
  kind: string;
  time: number;
  body: Record<string, unknown>;
  attachments: Array<{ type: string }>;
  operator?: { name: string };
}

interface Report {
  verdict: string;
  entries: ReportEntry[];
  findings: Finding[];
}

/** The kinds of the scenario's questions that the report lacks (compared, not printed whole). */
const missingKinds = (report: Report, kinds: readonly string[]) =>
  kinds.filter((k) => !report.entries.some((e) => e.kind === k));
const ofKind = (report: Report, kind: string) => report.entries.filter((e) => e.kind === kind);

interface Case {
  preset: PresetName;
  /** The evidence the scenario's questions look at, on top of the planted finding. */
  kinds: readonly string[];
  check?(report: Report, planted: ReportEntry): void;
}

const CASES: Case[] = [
  {
    preset: 'road-collapse',
    kinds: [
      'om.condition-assessment',
      'construction.backfill-layer',
      'construction.joint-made',
      'inspection.hidden-works-accepted',
      'test.closed-water',
      'inspection.trench-bottom',
      'om.patrol',
      'om.incident',
      'om.repair',
    ],
    check: (report) => {
      // A trend needs more than one assessment.
      expect(ofKind(report, 'om.condition-assessment').length).toBeGreaterThanOrEqual(2);
    },
  },
  {
    preset: 'joint-leak',
    kinds: [
      'construction.joint-made',
      'inspection.hidden-works-accepted',
      'construction.backfill-layer',
      'test.pressure',
    ],
    check: (report, planted) => {
      const j07 = ofKind(report, 'construction.joint-made').find((e) => e.body.joint === 'J07');
      expect(j07?.body.gasketChecked).toBe(true);
      // The first backfill covered works whose acceptance carries no photo, so they count as
      // unaccepted: the finding is on the backfill, and the acceptance names who signed it.
      expect(planted.kind).toBe('construction.backfill-layer');
      const [accepted] = ofKind(report, 'inspection.hidden-works-accepted');
      expect(accepted?.attachments.some((a) => a.type.startsWith('image/'))).toBe(false);
      expect(accepted?.operator?.name).toMatch(/\S/);
      expect(accepted?.time).toBeLessThan(planted.time);
    },
  },
  {
    preset: 'falsified-pressure-test',
    kinds: ['test.pressure', 'commissioning.flush-disinfect', 'inspection.hidden-works-accepted'],
  },
  {
    preset: 'material-swap',
    kinds: ['design.issued', 'design.revised', 'construction.pipe-laid', 'inspection.hidden-works-accepted'],
    check: (report, planted) => {
      // HDPE laid from a batch the SE accepted, where the design says reinforced concrete.
      expect(planted.kind).toBe('construction.pipe-laid');
      expect(String(planted.body.batch)).toMatch(/^HDPE/);
      expect(ofKind(report, 'design.issued')[0]?.body.material).toBe('reinforced-concrete');
    },
  },
  {
    preset: 'live-decommissioned-strike',
    kinds: ['lifecycle.decommissioned', 'survey.as-built', 'object.alias', 'om.incident', 'om.repair'],
  },
];

describe('the five incident-review scenarios, node → bundle → inspector and replay', () => {
  for (const c of CASES) {
    it(c.preset, async () => {
      const s = incidentScenario(c.preset);
      const expected = s.expected[0];
      if (expected === undefined) throw new Error(`${c.preset} expects no finding`);
      const dir = await nodeWithScenario(s);
      let node: RunningNode | undefined;
      try {
        const token = issueToken(dir, 'review-board');
        node = await startNode(dir);
        const genesisFile = join(dir, 'trusted-genesis.cbor');
        writeFileSync(genesisFile, s.genesisBytes);
        const common = ['--node', node.url, '--token', token, '--genesis', genesisFile];
        const asOf = String(s.asOf);

        const verified = await run(INSPECT, [
          'verify',
          expected.object,
          ...common,
          '--as-of',
          asOf,
          '--fail-on',
          'warning',
          '--json',
        ]);
        expect(verified.stderr).not.toMatch(/^error /m);
        expect(verified.code).toBe(1);
        const report = JSON.parse(verified.stdout) as Report;
        expect(report.verdict).not.toBe('verified');
        // The planted finding, once, against the entry the generator planted it on; no other error.
        const planted = report.findings.filter((f) => f.code === expected.code);
        expect(planted.map((f) => f.subject.entry)).toEqual([expected.entry]);
        const otherErrors = report.findings.filter((f) => f.severity === 'error' && f.code !== expected.code);
        expect(otherErrors.map((f) => f.code)).toEqual([]);
        expect(missingKinds(report, c.kinds)).toEqual([]);
        c.check?.(report, report.entries.find((e) => e.id === expected.entry) as ReportEntry);

        const html = join(dir, 'incident.html');
        const replay = await run(REPLAY, [expected.object, ...common, '--at', asOf, '--html', html]);
        expect(replay.stdout).toContain(expected.code);
        expect(readFileSync(html, 'utf8')).toContain(expected.code);
      } finally {
        await node?.stop();
        removeDir(dir);
      }
    }, 600_000);
  }
});
