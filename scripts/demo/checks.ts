/**
 * What the demo shows once the project is on the ledger: the inspector's verdicts, the incident
 * replay, sealed data, equivocation and tampering. Each step uses the same public surfaces a
 * department, an inspector or an auditor would: the CLIs, the HTTP API, the gossip network.
 */
import '../../packages/net/src/polyfill.ts';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  buildEntry,
  cutBlock,
  emptyLogState,
  fromBase64,
  fromHex,
  generateKeyPair,
  type LogState,
  leafHash,
  openEnvelope,
  parseBlockHeader,
  sealedReaders,
  signEntry,
  toHex,
  unsealEntry,
  verifyHeaderSignature,
  verifyInclusion,
} from '@liuhen/core';
import { objectId, segmentAlias } from '@liuhen/profile-pipe';
import type { Scenario } from '@liuhen/profile-pipe/scenario';
import { appointmentBody, nationalIdHash } from '../../packages/governance/src/index.ts';
import {
  createHost,
  encodeGossipBlock,
  type Host,
  peerIdFromNodeKey,
  replicationTopics,
} from '../../packages/net/src/index.ts';
import type { TraceReport } from '../../packages/trace/src/index.ts';
import type { NodeApi } from './api.ts';
import { CLI, INSPECT, REPLAY, run } from './network.ts';
import type { DemoProject } from './project.ts';
import type { NetworkSetup } from './setup.ts';

const when = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')}Z`;

export interface Verdict {
  readonly object: string;
  readonly verdict: string;
  readonly line: string;
  readonly codes: readonly string[];
  readonly late: number;
}

const VERDICT_WORDS: Record<string, string> = {
  failed: 'FAILED',
  'verified-with-warnings': 'VERIFIED WITH WARNINGS',
  verified: 'VERIFIED',
};

/** `liuhen-inspect verify --json` on one segment against `api`'s node; prints its essentials. */
export async function inspect(
  object: string,
  api: NodeApi,
  networkId: string,
  say: (line: string) => void,
  detailed: boolean,
): Promise<Verdict> {
  const r = await run(INSPECT, [
    'verify',
    object,
    '--node',
    api.url,
    '--token',
    api.token,
    '--network-id',
    networkId,
    '--json',
  ]);
  if (r.status === 2 || r.stdout.trim() === '')
    throw new Error(`liuhen-inspect failed (${r.status}): ${r.stderr}`);
  const report = JSON.parse(r.stdout) as TraceReport;
  const s = report.summary;
  const line = `${VERDICT_WORDS[report.verdict] ?? report.verdict}: ${object} — ${s.errors} errors, ${s.warnings} warnings — ${s.validEntries}/${s.entries} entries valid, ${report.witnessing.covered}/${report.witnessing.total} witnessed by the policy`;
  say(`  ${line}`);
  const leads = new Map<string, string>();
  for (const stage of report.accountability.stages)
    for (const p of stage.parties)
      if (p.kind === 'lead' && p.name !== undefined) leads.set(p.party ?? p.org, `${p.name} (${p.role})`);
  if (leads.size > 0) say(`      leads: ${[...leads].map(([party, who]) => `${party} ${who}`).join(' · ')}`);
  const errors = report.findings.filter((f) => f.severity === 'error');
  const entries = new Map(report.entries.map((e) => [e.id, e]));
  const shown = detailed ? errors : errors.slice(0, 2);
  for (const f of shown) {
    const e = f.subject.entry === undefined ? undefined : entries.get(f.subject.entry);
    const who =
      e?.operator?.name === undefined ? '' : ` — signed by ${e.operator.name} (${e.role}, ${e.org})`;
    say(`      ${f.code} [${f.clause}] #${e?.step ?? '?'} ${e?.kind ?? f.subject.part}${who}`);
    if (detailed) say(`        ${f.message}`);
  }
  if (errors.length > shown.length) say(`      … and ${errors.length - shown.length} more errors`);
  for (const late of report.lateRecordings) {
    const e = entries.get(late.entry);
    say(
      `      late recording (补录): #${e?.step ?? '?'} ${e?.kind ?? ''} by ${e?.operator?.name ?? '?'}, claims ${e ? when(e.time) : '?'}, first witnessed ${(late.lagMs / 3_600_000).toFixed(1)} h later`,
    );
  }
  if (detailed) {
    for (const stage of report.accountability.stages) {
      const people = stage.parties
        .filter((p) => p.kind !== 'lead' && p.name !== undefined)
        .map((p) => `${p.name} (${p.role}, ${p.org})`);
      if (people.length > 0) say(`      ${stage.stage}: ${[...new Set(people)].join(', ')}`);
    }
  }
  return {
    object,
    verdict: report.verdict,
    line,
    codes: [...new Set(report.findings.filter((f) => f.severity !== 'info').map((f) => f.code))],
    late: report.lateRecordings.length,
  };
}

/** `liuhen-replay --html` for the incident segment. */
export async function replayReport(
  object: string,
  api: NodeApi,
  networkId: string,
  file: string,
): Promise<void> {
  const r = await run(REPLAY, [
    object,
    '--node',
    api.url,
    '--token',
    api.token,
    '--network-id',
    networkId,
    '--html',
    file,
  ]);
  if (r.status !== 0 && r.status !== 1) throw new Error(`liuhen-replay failed (${r.status}): ${r.stderr}`);
}

export interface SealedResult {
  readonly utilityRead: boolean;
  /** How: on its own node (scoped read, audited) or by its business system's key. */
  readonly utilityReadBy: 'node' | 'client' | undefined;
  readonly labVerified: boolean;
  readonly labCannotRead: boolean;
  /** The public export's verdict, or why there is none. */
  readonly publicExport: { verified: boolean; file?: string; leaked: number } | { unavailable: string };
}

type EntryJson = {
  org: string;
  index: number;
  envelope: string;
  entry: { body: Record<string, unknown> };
  view?: {
    clearance: string;
    sealed?: { restricted: boolean; fields?: Record<string, unknown>; code?: string; reason?: string };
  };
  proof?: { treeSize: number; hashes: string[]; checkpoint: string };
};

/**
 * The sealed as-built survey: the utility opens it; the lab's node holds and proves it and cannot
 * open it; the open-data export of the segment verifies and carries no restricted plaintext.
 */
export async function classification(
  project: DemoProject,
  setup: NetworkSetup,
  apis: ReadonlyMap<string, NodeApi>,
  reports: string,
  say: (line: string) => void,
): Promise<SealedResult> {
  const id = project.sealedAsBuilt.id;
  const utility = apis.get('utility') as NodeApi;
  const lab = apis.get('lab') as NodeApi;
  const held = await utility.get<EntryJson>(`/v1/entries/${id}`);
  const signed = openEnvelope(fromBase64(held.envelope));
  const readers = sealedReaders(signed.entry.sealed);
  const plainJson = JSON.stringify(project.asBuiltPlain);
  say(
    `  survey.as-built of ${project.incident} (entry ${id.slice(0, 12)}…, by ${project.sealedAsBuilt.signer} of the design institute): restricted fields sealed for ${readers.join(', ')}`,
  );
  let fields: Record<string, unknown> | undefined;
  let utilityReadBy: SealedResult['utilityReadBy'];
  if (held.view?.sealed?.restricted === false && held.view.sealed.fields !== undefined) {
    fields = held.view.sealed.fields;
    utilityReadBy = 'node';
  } else if (setup.utilityKey.secret !== undefined) {
    fields = unsealEntry(signed, 'utility', setup.utilityKey.secret) as Record<string, unknown>;
    utilityReadBy = 'client';
  }
  const points = (fields?.points as Array<{ name: string; xM: number; yM: number; zM: number }>) ?? [];
  const utilityRead = fields !== undefined && points.length > 0;
  say(
    utilityRead
      ? `  water utility reads it${utilityReadBy === 'node' ? ' through its own node (restricted-cleared token; the read is recorded on its log)' : ' with its own key'}: ${points.map((p) => `${p.name} (${p.xM}, ${p.yM}, ${p.zM} m)`).join(', ')}; plan accuracy ${fields?.planAccuracyMm} mm`
      : '  water utility could NOT read it',
  );
  if (utilityReadBy === 'node') {
    try {
      const reads = await utility.get<{ reads: Array<{ reader: string; token: string }> }>(
        `/v1/objects/${encodeURIComponent(project.incident)}/reads`,
      );
      say(
        `  the utility's node recorded the read on its own log: ${reads.reads.map((r) => `${r.reader} (token ${r.token})`).join(', ') || 'none'}`,
      );
    } catch (error) {
      say(`  the utility's read audit could not be listed: ${(error as Error).message}`);
    }
  }
  const labCopy = await lab.get<EntryJson>(`/v1/entries/${id}?proof=1`);
  let labVerified = false;
  if (labCopy.proof !== undefined) {
    const header = parseBlockHeader(labCopy.proof.checkpoint);
    const designKey = fromHex(setup.departments.find((d) => d.dept.id === 'design')?.nodeKey ?? '');
    verifyHeaderSignature(header, designKey);
    verifyInclusion(
      leafHash(fromBase64(labCopy.envelope)),
      labCopy.index,
      labCopy.proof.treeSize,
      labCopy.proof.hashes.map(fromHex),
      header.root,
    );
    openEnvelope(fromBase64(labCopy.envelope));
    labVerified = true;
  }
  say(
    `  testing lab's node holds it and proves it: signature ✔, leaf ${labCopy.index} of ${labCopy.proof?.treeSize} under the design institute's signed checkpoint ${labVerified ? '✔' : '✘'}`,
  );
  const restricted = Object.keys(project.asBuiltPlain);
  const labSees = JSON.stringify(labCopy);
  const leakedToLab =
    restricted.filter((f) => f in labCopy.entry.body).length > 0 || labSees.includes(plainJson);
  const labView = labCopy.view?.sealed;
  say(
    `  testing lab cannot read it: ${restricted.join(', ')} only as ciphertext${labView?.restricted ? ` (its node answers restricted: ${labView.code ?? labView.reason})` : ''}`,
  );

  // The open-data export (issue 8), where the node has it: once the utility's read audit, a new
  // block on its log, is cosigned like the rest.
  let publicExport: SealedResult['publicExport'];
  await untilWitnessed(lab, [...apis.keys()]);
  try {
    const exported = await lab.get<{ bundle: string; entries: unknown[] }>(
      `/v1/objects/${encodeURIComponent(project.incident)}/public`,
    );
    const file = join(reports, 'incident-public-export.json');
    const text = JSON.stringify(exported, null, 2);
    (await import('node:fs')).writeFileSync(file, text);
    const bundleFile = join(reports, 'incident-public.bundle');
    (await import('node:fs')).writeFileSync(bundleFile, fromBase64(exported.bundle));
    const r = await run(INSPECT, [
      'verify',
      project.incident,
      '--bundle',
      bundleFile,
      '--network-id',
      setup.networkId,
      '--json',
    ]);
    const report = JSON.parse(r.stdout) as TraceReport;
    // Every restricted value of the segment, as JSON text, searched for in the export.
    const secrets = points.flatMap((p) => [String(p.xM), String(p.yM)]).filter((v) => v.length > 5);
    const leaked = secrets.filter((v) => text.includes(v)).length;
    // Integrity is every finding that is not a rule of the profile: the rule findings are the
    // segment's own (the incident's P-COVER), the same as from a node.
    const integrity = report.findings.filter(
      (f) => f.severity === 'error' && !f.code.startsWith('P-') && f.code !== 'TRACE_LATE_RECORDING',
    );
    const verified =
      report.anchored && report.summary.validEntries === report.summary.entries && integrity.length === 0;
    const rules = [...new Set(report.findings.filter((f) => f.code.startsWith('P-')).map((f) => f.code))];
    say(
      `  public export of ${project.incident}: ${exported.entries.length} entries in ${file}; verified offline against the network id: ${report.summary.validEntries}/${report.summary.entries} entries valid, ${integrity.length} integrity errors ${verified ? '✔' : '✘'}${rules.length > 0 ? ` (rule findings as from the node: ${rules.join(', ')})` : ''}; restricted values in it: ${leaked}`,
    );
    publicExport = { verified, file, leaked };
  } catch (error) {
    const why =
      (error as { code?: string }).code === 'NOT_FOUND'
        ? 'no GET /v1/objects/{id}/public on this node'
        : (error as Error).message;
    publicExport = { unavailable: why };
    say(`  not yet available: the public export (${why})`);
  }
  return { utilityRead, utilityReadBy, labVerified, labCannotRead: !leakedToLab, publicExport };
}

/**
 * The rogue member signs two different second blocks and shows each half of the network one
 * (test/faults/equivocation.test.ts does the same under test): every node must end up holding a
 * fraud proof and freeze the org.
 */
export async function equivocate(
  setup: NetworkSetup,
  apis: ReadonlyMap<string, NodeApi>,
  scenario: Scenario,
  say: (line: string) => void,
): Promise<{ holders: string[]; ms: number }> {
  const { network, rogue } = setup;
  const orgs = [...apis.keys()];
  const halves = [orgs.slice(0, 3), orgs.slice(3)];
  const topics = replicationTopics(network);
  const genesis = await (apis.get('qsa') as NodeApi).get<{ seq: number; head: string }>('/v1/governance');
  const position = { seq: genesis.seq, hash: fromHex(genesis.head) };
  const members = [...apis.values()].length;
  const hosts: Host[] = [];
  try {
    for (const half of halves) {
      const host = await createHost({
        seed: rogue.seed,
        psk: await import('node:fs').then((fs) => fs.readFileSync(join(setup.ceremony, 'swarm.key'), 'utf8')),
        members: [...setup.departments.map((d) => fromHex(d.nodeKey)), rogue.publicKey],
        scoredTopics: [topics.blocks, topics.cosignatures, topics.fraudProofs],
        bootstrap: half.map((o) => setup.addr(o)),
        backoff: { initialMs: 200, maxMs: 2_000 },
      });
      hosts.push(host);
    }
    const peersOf = (half: string[]) =>
      half.map((o) =>
        peerIdFromNodeKey(fromHex(setup.departments.find((d) => d.dept.id === o)?.nodeKey ?? '')),
      );
    const deadline = Date.now() + 60_000;
    for (const [i, host] of hosts.entries()) {
      const want = peersOf(halves[i] as string[]);
      while (!want.every((p) => host.pubsub.getSubscribers(topics.blocks).some((s) => s.equals(p)))) {
        if (Date.now() > deadline)
          throw new Error('the rogue member could not reach its half of the network');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    const operator = generateKeyPair();
    const now = Date.now();
    const sign = (entry: Parameters<typeof buildEntry>[0], seed: Uint8Array) =>
      signEntry(buildEntry(entry), seed).envelope;
    const appointment = sign(
      {
        network,
        org: 'rehab',
        object: `operator:${toHex(operator.publicKey)}`,
        kind: 'org.operator-appointed',
        time: now - 60_000,
        signer: rogue.publicKey,
        role: 'ORG',
        body: appointmentBody({
          operator: operator.publicKey,
          name: '钱某',
          roles: ['QI'],
          licence: '质检员证粤Z0999',
          idHash: nationalIdHash(generateKeyPair().seed, '440301197001019999'),
          validFrom: now - 86_400_000,
          validUntil: now + 365 * 86_400_000,
        }),
      },
      rogue.seed,
    );
    // Joint records on a segment of the rogue's own job, with a body the generator made (schema-valid).
    const joint = scenario.entries.find((e) => e.entry.kind === 'construction.joint-made');
    const object = objectId('segment', segmentAlias('SZ', 'WS000901', 'WS000902'));
    const record = (label: string, parents: Uint8Array[]) => {
      const signed = signEntry(
        buildEntry({
          network,
          org: 'rehab',
          object,
          kind: 'construction.joint-made',
          time: Date.now() - 30_000,
          signer: operator.publicKey,
          role: 'QI',
          body: { ...(joint?.entry.body as object), joint: label },
          parents,
        }),
        operator.seed,
      );
      return signed;
    };
    const cut = (envelopes: Uint8Array[], from: LogState) =>
      cutBlock(from, envelopes, {
        network,
        org: 'rehab',
        seed: rogue.seed,
        time: Date.now(),
        governance: position,
      });
    const j1 = record('J01', []);
    const first = cut([appointment, j1.envelope], emptyLogState());
    const publish = (host: Host, block: { header: unknown; envelopes: readonly Uint8Array[] }) =>
      host.pubsub.publish(
        topics.blocks,
        encodeGossipBlock({ header: block.header as never, entries: block.envelopes }),
      );
    for (const host of hosts) await publish(host, first.block);
    await until(60_000, async () => {
      for (const api of apis.values()) if ((await api.status()).orgs?.rehab?.height !== 1) return false;
      return true;
    });
    say(`  rehab's first block reached all ${members} nodes; now it signs two different second blocks`);
    const left = cut([record('J02', [j1.id]).envelope], first.state);
    const right = cut([record('J12', [j1.id]).envelope, record('J13', [j1.id]).envelope], first.state);
    const at = Date.now();
    await Promise.all([publish(hosts[0] as Host, left.block), publish(hosts[1] as Host, right.block)]);
    let ms = 0;
    const holders: string[] = [];
    await until(60_000, async () => {
      holders.length = 0;
      for (const [org, api] of apis) {
        const proofs = (
          await api.get<{ fraudProofs: Array<{ org: string; kind: string }> }>('/v1/fraud-proofs')
        ).fraudProofs;
        if (proofs.some((p) => p.org === 'rehab')) holders.push(org);
      }
      ms = Date.now() - at;
      return holders.length === apis.size;
    }).catch(() => undefined);
    for (const [org, api] of apis) {
      const s = (await api.status()).orgs?.rehab;
      say(
        `  ${org.padEnd(11)} fraud proof ${holders.includes(org) ? '✔' : '✘'}  rehab ${s?.frozen ? `FROZEN at size ${s.frozenAt}` : 'not frozen'}`,
      );
    }
    return { holders: [...holders], ms };
  } finally {
    await Promise.allSettled(hosts.map((h) => h.stop()));
  }
}

/**
 * Waits until `api`'s node holds the latest checkpoint of every department's log cosigned by
 * every other department. A bundle carries all the cosignatures of only each log's latest
 * checkpoint, so one assembled before they arrive shows the newest entries less witnessed than
 * they are (TRACE_WITNESS_POLICY): the inspector and the export wait for this.
 */
export async function untilWitnessed(api: NodeApi, departments: readonly string[]): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const status = await api.status();
    const short = departments.filter((org) =>
      departments.some((w) => w !== org && !(status.orgs?.[org]?.lastCosigners ?? []).includes(w)),
    );
    if (short.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(
        `${status.org}'s node did not hold the latest checkpoints of ${short.join(', ')} cosigned by every other department within 180 s`,
      );
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function until(timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface RawDb {
  iterator(): AsyncIterable<[Uint8Array, Uint8Array]>;
  put(key: Uint8Array, value: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** The store's LevelDB, below @liuhen/store (`level` resolved from the store package). */
async function openRawDb(path: string): Promise<RawDb> {
  const require = createRequire(new URL('../../packages/store/package.json', import.meta.url));
  const module = (await import(pathToFileURL(require.resolve('level')).href)) as {
    Level?: new (p: string, o: object) => RawDb & { open(): Promise<void> };
    default?: { Level: new (p: string, o: object) => RawDb & { open(): Promise<void> } };
  };
  const Level = module.Level ?? module.default?.Level;
  if (!Level) throw new Error('level did not export Level');
  const db = new Level(path, { keyEncoding: 'view', valueEncoding: 'view', createIfMissing: false });
  await db.open();
  return db;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/**
 * Tampering: with the node stopped, one byte of one stored entry is changed in its LevelDB, and
 * `liuhen-node verify` must name it. The original bytes are then put back, so the node can rejoin.
 */
export async function tamper(
  dir: string,
  envelope: Uint8Array,
  say: (line: string) => void,
): Promise<{ caught: boolean; lines: string[] }> {
  const db = await openRawDb(join(dir, 'db'));
  let original: { key: Uint8Array; value: Uint8Array } | undefined;
  // The entry's signature is its last 64 bytes: unique, so it finds the record holding the entry.
  const signature = envelope.subarray(envelope.length - 64);
  try {
    for await (const [key, value] of db.iterator()) {
      const at = indexOf(value, signature);
      if (at >= 0 && value.length >= envelope.length) {
        original = { key: Uint8Array.from(key), value: Uint8Array.from(value) };
        break;
      }
    }
    if (original === undefined) throw new Error('the entry is not in the store');
    const damaged = Uint8Array.from(original.value);
    // A byte inside the entry's body: the record still decodes, its content no longer matches.
    const start = indexOf(damaged, signature) - 66 - Math.floor((envelope.length - 66) / 2);
    damaged[Math.max(0, start)] = ((damaged[Math.max(0, start)] as number) ^ 0x01) & 0xff;
    await db.put(original.key, damaged);
  } finally {
    await db.close();
  }
  const r = await run(CLI, ['verify', '--data-dir', dir]);
  const lines = `${r.stdout}\n${r.stderr}`
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '' && !/[█░]/.test(l));
  for (const line of lines.slice(0, 5)) say(`    ${line}`);
  if (lines.length > 5) say(`    … (${lines.length - 5} more lines)`);
  const restore = await openRawDb(join(dir, 'db'));
  try {
    await restore.put(original.key, original.value);
  } finally {
    await restore.close();
  }
  return { caught: r.status === 1, lines };
}
