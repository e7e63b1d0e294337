/**
 * The main job, until the department node exists: a walk-through of the protocol core. It
 * creates keys, signs a pipe segment's entries into the contractor's org log, cuts a block, prints
 * the signed checkpoint, has a witness cosign it, and proves and verifies one entry's inclusion.
 */
import {
  applyBlock,
  buildEntry,
  cosign,
  cosignatureVerifier,
  cutBlock,
  type Entry,
  emptyLogState,
  formatSignedNote,
  generateKeyPair,
  leafHash,
  MemoryMerkleTree,
  openEnvelope,
  sha256,
  signEntry,
  toBase64,
  toHex,
  utf8,
  verifyCosignature,
  verifyInclusion,
  withSignatures,
} from '@liuhen/core';

const step = (title: string) => console.log(`\n\x1b[1m== ${title}\x1b[0m`);

step('1. Keys');
// A stand-in for the genesis hash until the governance package exists.
const network = sha256(utf8('liuhen demo network: Shenzhen pipes, 2026'));
const contractorNode = generateKeyPair();
const supervisionNode = generateKeyPair();
const inspector = generateKeyPair(); // the contractor's QC inspector (QI), an operator
console.log(`network id           ${toHex(network)}`);
console.log(`contractor node key  ${toHex(contractorNode.publicKey)}`);
console.log(`supervision node key ${toHex(supervisionNode.publicKey)}`);
console.log(`QC inspector key     ${toHex(inspector.publicKey)}`);

step('2. Signed trace entries for segment SZ-WS000123-WS000124#1');
const object = 'seg:SZ-WS000123-WS000124#1';
const t0 = Date.parse('2026-05-12T08:00:00+08:00');
const drafts: Array<Pick<Entry, 'kind' | 'body'>> = [
  {
    kind: 'construction.trench-excavated',
    body: { chainage: [0, 48.6], bottomDeviationMm: -12, widthM: 1.6 },
  },
  {
    kind: 'construction.bedding',
    body: { chainage: [0, 48.6], type: 'sand-gravel', thicknessMm: 150, compactionPct: 92 },
  },
  {
    kind: 'construction.pipe-laid',
    body: { chainage: [0, 48.6], batch: 'HDPE-2026-0117', axisOffsetMm: 8, invertDeviationMm: -4 },
  },
  {
    kind: 'construction.joint-made',
    body: { joint: 'J07', chainage: [42, 42], type: 'rubber-ring', gasketChecked: true },
  },
];
const log = new MemoryMerkleTree();
const envelopes: Uint8Array[] = [];
let parents: Uint8Array[] = [];
for (const [i, d] of drafts.entries()) {
  const entry = buildEntry({
    network,
    org: 'contractor',
    object,
    kind: d.kind,
    parents,
    time: t0 + i * 3_600_000,
    signer: inspector.publicKey,
    role: 'QI',
    body: d.body,
  });
  const signed = signEntry(entry, inspector.seed);
  parents = [signed.id]; // each entry names the object's head it knew
  envelopes.push(signed.envelope);
  log.append(leafHash(signed.envelope));
  console.log(
    `#${i} ${d.kind.padEnd(30)} id ${toHex(signed.id).slice(0, 16)}…  ${signed.envelope.length} bytes`,
  );
}

step('3. Cut a block: the contractor node signs a C2SP checkpoint');
const governance = { seq: 0, hash: network };
const { block, state } = cutBlock(emptyLogState(), envelopes, {
  network,
  org: 'contractor',
  seed: contractorNode.seed,
  time: t0 + 4 * 3_600_000,
  governance,
});
process.stdout.write(formatSignedNote(block.header.note));

step('4. Another department verifies the block and cosigns (tlog-cosignature, cosignature/v1)');
const verified = applyBlock(emptyLogState(), block, { nodeKey: contractorNode.publicKey });
const witnessName = 'liuhen/witness/supervision';
const cosignature = cosign(
  block.header.text,
  witnessName,
  supervisionNode.seed,
  Math.floor(Date.now() / 1000),
);
const { timestamp } = verifyCosignature(
  block.header.text,
  cosignature,
  cosignatureVerifier(witnessName, supervisionNode.publicKey),
);
console.log(`block verified: size ${verified.frontier.size}, root ${toBase64(verified.frontier.root())}`);
process.stdout.write(formatSignedNote(withSignatures(block.header, [cosignature]).note));
console.log(`cosigned at ${new Date(timestamp * 1000).toISOString()}`);

step('5. Prove and verify the inclusion of the J07 joint record');
const index = 3;
const proof = log.inclusionProof(index, state.header?.size ?? 0);
const opened = openEnvelope(envelopes[index] as Uint8Array, { network });
verifyInclusion(leafHash(opened.envelope), index, block.header.size, proof, block.header.root);
console.log(`entry ${toHex(opened.id)} (${opened.entry.kind}, ${String(opened.entry.body.joint)})`);
console.log(`leaf ${index} of ${block.header.size}; proof:`);
for (const hash of proof) console.log(`  ${toHex(hash)}`);
console.log('inclusion verified against the signed checkpoint root ✔');

step('6. Tampering is caught');
const tampered = (envelopes[index] as Uint8Array).slice();
tampered[tampered.length - 80] = (tampered[tampered.length - 80] as number) ^ 1;
try {
  verifyInclusion(leafHash(tampered), index, block.header.size, proof, block.header.root);
  console.log('tampered entry verified — this must never happen');
  process.exitCode = 1;
} catch (error) {
  console.log(`tampered entry rejected: ${(error as Error).message}`);
}
console.log(
  '\nNext: the department node daemon, replication, governance and the inspector (see the issues).',
);
