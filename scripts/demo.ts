/**
 * The main job: a contractor's department node on this machine. It creates the node and its
 * operators through the CLI, starts the daemon, feeds a pipe segment's construction history
 * through the HTTP API the way a business system would, shows the segment's trace, proves one
 * entry's inclusion against the node's signed checkpoint — checked here with the core library,
 * trusting nothing the node says — and finishes with a clean whole-store verification.
 */
import {
  fromBase64,
  fromHex,
  leafHash,
  parseBlockHeader,
  toHex,
  verifyHeaderSignature,
  verifyInclusion,
} from '@liuhen/core';
import { api, cli, prepareNode, startNode } from './lib/node-process.ts';

const bold = (s: string) => `\x1b[1m${s}\x1b[0m`;
const step = (title: string) => console.log(`\n${bold(`== ${title}`)}`);

step('1. A department node for the contractor, with three operators');
const prepared = prepareNode('contractor', [
  { name: 'li-wei', roles: ['QI'] },
  { name: 'zhang-min', roles: ['PM'] },
  { name: 'chen-jie', roles: ['TL', 'QI'] },
]);
console.log(`data directory   ${prepared.dir}`);
for (const [name, key] of Object.entries(prepared.operatorKeys))
  console.log(`operator ${name.padEnd(10)} ${key}`);

const node = await startNode(prepared.dir);
console.log(`node listening  ${node.url}`);

try {
  step('2. The business system feeds segment SZ-WS000123-WS000124#1 over HTTP');
  const segment = 'seg:SZ-WS000123-WS000124#1';
  // The works started five days ago; each record is made as the work happens.
  const start = new Date(Date.now() - 5 * 86_400_000).setUTCHours(0, 0, 0, 0);
  const day = (d: number, h = 9) => start + d * 86_400_000 + (h - 8) * 3_600_000;
  const photo = new TextEncoder().encode('JPEG stand-in: joint J07, 2026-05-13 10:42, 22.5431N 114.0579E');
  const upload = await fetch(new URL('/v1/blobs', node.url), {
    method: 'POST',
    headers: {
      authorization: `Bearer ${prepared.tokens['chen-jie']}`,
      'content-type': 'application/octet-stream',
    },
    body: photo,
  });
  const blob = (await upload.json()) as { sha256: string; size: number };
  console.log(`uploaded photo   sha256 ${blob.sha256} (${blob.size} bytes)`);

  const history: Array<{
    who: string;
    kind: string;
    role: string;
    time: number;
    body: unknown;
    attachments?: unknown[];
  }> = [
    {
      who: 'li-wei',
      kind: 'construction.trench-excavated',
      role: 'QI',
      time: day(0),
      body: { chainage: [0, 48.6], bottomDeviationMm: -12, widthM: 1.6 },
    },
    {
      who: 'li-wei',
      kind: 'construction.bedding',
      role: 'QI',
      time: day(1),
      body: { chainage: [0, 48.6], type: 'sand-gravel', thicknessMm: 150, compactionPct: 92 },
    },
    {
      who: 'li-wei',
      kind: 'construction.pipe-laid',
      role: 'QI',
      time: day(1, 15),
      body: {
        chainage: [0, 48.6],
        batch: 'HDPE-2026-0117',
        dnMm: 600,
        axisOffsetMm: 8,
        invertDeviationMm: -4,
        stepMm: 1,
      },
    },
    ...Array.from({ length: 8 }, (_, j) => ({
      who: 'li-wei',
      kind: 'construction.joint-made',
      role: 'QI',
      time: day(2, 8 + j),
      body: {
        joint: `J0${j + 1}`,
        chainage: [6 * (j + 1), 6 * (j + 1)],
        type: 'rubber-ring',
        gasketChecked: true,
      },
    })),
    {
      who: 'chen-jie',
      kind: 'inspection.hidden-works-selfcheck',
      role: 'QI',
      time: day(2, 17),
      body: { scope: 'joints J01-J08, bedding', items: 12, passed: 12 },
      attachments: [{ sha256: blob.sha256, size: blob.size, type: 'image/jpeg', name: 'J07.jpg' }],
    },
    {
      who: 'zhang-min',
      kind: 'test.closed-water',
      role: 'PM',
      time: day(4),
      body: { headM: 2, holdMin: 30, leakageLPerMinKm: 0.9, lengthM: 48.6, pass: true },
    },
  ];
  const acks: Array<{ id: string; index: number; height: number; kind: string }> = [];
  for (const h of history) {
    const { status, json } = await api<{
      id: string;
      index: number;
      height: number;
      error?: { code: string; message: string };
    }>(node.url, prepared.tokens[h.who] as string, 'POST', '/v1/entries', {
      object: segment,
      kind: h.kind,
      role: h.role,
      time: h.time,
      body: h.body,
      ...(h.attachments ? { attachments: h.attachments } : {}),
    });
    if (status !== 201) throw new Error(`append ${h.kind} failed: ${status} ${JSON.stringify(json)}`);
    acks.push({ ...json, kind: h.kind });
    console.log(
      `201 ${h.kind.padEnd(34)} ${h.role.padEnd(3)} index ${String(json.index).padStart(2)}  block ${json.height}  ${json.id.slice(0, 16)}…`,
    );
  }

  step('3. A bad request is refused with a stable code, and nothing is written');
  const bad = await api<{ error: { code: string; message: string } }>(
    node.url,
    prepared.tokens['li-wei'] as string,
    'POST',
    '/v1/entries',
    {
      object: segment,
      kind: 'test.pressure',
      role: 'QI',
      body: { testPressureMPa: 0.9 },
    },
  );
  console.log(`${bad.status} ${bad.json.error.code}: ${bad.json.error.message}`);

  step("4. The segment's trace, in causal order");
  const trace = await api<{
    heads: string[];
    entries: Array<{
      id: string;
      index: number;
      entry: { time: number; role: string; kind: string; signer: string };
    }>;
  }>(node.url, prepared.tokens['li-wei'] as string, 'GET', `/v1/objects/${encodeURIComponent(segment)}`);
  for (const e of trace.json.entries) {
    console.log(
      `${new Date(e.entry.time).toISOString().slice(0, 16)}  #${String(e.index).padStart(2)}  ${e.entry.role.padEnd(3)}  ${e.entry.kind}`,
    );
  }
  console.log(`heads: ${trace.json.heads.map((h) => `${h.slice(0, 16)}…`).join(', ')}`);

  step('5. Prove the J07 joint record is in the log — verified here, trusting only the node key');
  const j07 = acks.filter((a) => a.kind === 'construction.joint-made')[6] as (typeof acks)[number];
  const { json: found } = await api<{
    envelope: string;
    index: number;
    proof: { treeSize: number; hashes: string[]; checkpoint: string };
  }>(node.url, prepared.tokens['li-wei'] as string, 'GET', `/v1/entries/${j07.id}?proof=1`);
  const { json: status } = await api<{ nodeKey: string }>(
    node.url,
    prepared.tokens['li-wei'] as string,
    'GET',
    '/v1/status',
  );
  const header = parseBlockHeader(found.proof.checkpoint);
  verifyHeaderSignature(header, fromHex(status.nodeKey));
  verifyInclusion(
    leafHash(fromBase64(found.envelope)),
    found.index,
    found.proof.treeSize,
    found.proof.hashes.map(fromHex),
    header.root,
  );
  process.stdout.write(found.proof.checkpoint);
  console.log(
    `entry ${j07.id.slice(0, 16)}… is leaf ${found.index} of ${found.proof.treeSize}; ${found.proof.hashes.length} proof hashes; root ${toHex(header.root).slice(0, 16)}… ✔`,
  );
} finally {
  step('6. Stop the node (SIGTERM flushes and closes) and verify the whole store');
  await node.stop('SIGTERM');
}
const verify = cli(['verify', '--data-dir', prepared.dir]);
process.stdout.write(verify.stdout);
if (verify.status !== 0) {
  console.error(verify.stderr);
  process.exit(1);
}
console.log(
  `\nDone. Explore: LIUHEN_PASSPHRASE='liuhen local test passphrase' node apps/node/bin/liuhen-node.js start --data-dir ${prepared.dir}`,
);
