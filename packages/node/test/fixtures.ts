/** An in-process network of one org, with operators, on a real LevelDB in a temp dir. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildEntry, type EntryDraft, generateKeyPair, type KeyPair, signEntry } from '@liuhen/core';
import {
  appointmentBody,
  creditCodeCheckCharacter,
  DEFAULT_PARAMETERS,
  encodeGenesis,
  type Genesis,
  networkId,
  revocationBody,
} from '@liuhen/governance';
import { sampleBody, sampleSegment } from '@liuhen/profile-pipe/scenario';
import { LedgerStore } from '@liuhen/store';
import { LedgerNode, type LedgerNodeOptions } from '../src/ledger-node.ts';
import { NodeReplicaStore, type NodeReplicaStoreOptions } from '../src/replica-store.ts';

export const T0 = Date.parse('2026-03-01T00:00:00Z');
/** The pipe segment the fixtures record on, and a second one. */
export const SEGMENT = sampleSegment(1);
export const OTHER_SEGMENT = sampleSegment(2);

/** A schema-valid construction.joint-made body: joint J01, J02, … for n = 0, 1, … */
export const jointBody = (n = 0) => sampleBody('construction.joint-made', n);

export interface Fixture {
  dir: string;
  genesis: Genesis;
  network: Uint8Array;
  nodeKey: KeyPair;
  open(options?: Partial<LedgerNodeOptions>): Promise<LedgerNode>;
  cleanup(): void;
}

/** A genesis whose orgs are the given ids and node keys, with valid made-up credit codes. */
export function testGenesis(
  orgs: ReadonlyArray<{ id: string; nodeKey: Uint8Array }>,
  parameters: Partial<Genesis['parameters']> = {},
): Genesis {
  return {
    version: 1,
    name: 'test',
    profile: 'pipe/1',
    created: T0,
    authorities: { keys: [generateKeyPair().publicKey], threshold: 1 },
    orgs: orgs.map(({ id, nodeKey }, n) => {
      const first17 = `91440300MA5F0000${n}`;
      return {
        id,
        name: id,
        creditCode: first17 + creditCodeCheckCharacter(first17),
        nodeKey,
        parties: ['contractor'],
        bootstrap: [],
      };
    }),
    parameters: { ...DEFAULT_PARAMETERS, ...parameters },
  };
}

export function fixture(): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'liuhen-node-test-'));
  const nodeKey = generateKeyPair();
  const genesis = testGenesis([{ id: 'contractor', nodeKey: nodeKey.publicKey }], { blockIntervalMs: 10 });
  const bytes = encodeGenesis(genesis);
  const network = networkId(bytes);
  return {
    dir,
    genesis,
    network,
    nodeKey,
    open: async (options = {}) =>
      LedgerNode.open({
        store: await LedgerStore.open(join(dir, 'db')),
        genesis,
        networkId: network,
        org: 'contractor',
        nodeSeed: nodeKey.seed,
        now: () => T0 + 86_400_000,
        ...options,
      }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The `org.operator-appointed` entry of `operator` with `roles`, valid for a year from T0. */
export function appointmentDraft(operator: Uint8Array, roles: string[] = ['QI']) {
  return {
    object: 'operators',
    kind: 'org.operator-appointed',
    role: 'ORG',
    body: appointmentBody({
      operator,
      name: 'Li Wei',
      roles,
      licence: 'L-1',
      idHash: new Uint8Array(32),
      validFrom: T0,
      validUntil: T0 + 365 * 86_400_000,
    }),
  };
}

/** The `org.operator-revoked` entry of `operator`. */
export function revocationDraft(operator: Uint8Array) {
  return {
    object: 'operators',
    kind: 'org.operator-revoked',
    role: 'ORG',
    body: revocationBody({ operator, reason: 'left' }),
  };
}

/** A joint record an hour after T0. */
export const jointDraft = () => ({
  object: SEGMENT,
  kind: 'construction.joint-made',
  time: T0 + 3_600_000,
  role: 'QI',
  body: jointBody(0),
});

/** Appoints a new operator with `roles` by the node key of `f` (any org's key pair will do). */
export async function appoint(
  node: LedgerNode,
  f: Pick<Fixture, 'nodeKey'>,
  roles: string[],
): Promise<KeyPair> {
  const operator = generateKeyPair();
  await node.appendUnsigned({ ...appointmentDraft(operator.publicKey, roles), time: T0 }, f.nodeKey.seed);
  return operator;
}

export async function revoke(node: LedgerNode, f: Fixture, operator: Uint8Array): Promise<void> {
  await node.appendUnsigned({ ...revocationDraft(operator), time: T0 + 1000 }, f.nodeKey.seed);
}

/** The code `promise` fails with, or 'ok'. */
export async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
  return 'ok';
}

/** A replica store of `ownOrg` on `store`, its cosignature and fraud-proof files in `dir`. */
export function openReplicaStore(
  dir: string,
  store: LedgerStore,
  genesis: Genesis,
  ownOrg: string,
  options: Partial<NodeReplicaStoreOptions> = {},
): Promise<NodeReplicaStore> {
  return NodeReplicaStore.open({
    store,
    genesis,
    ownOrg,
    cosignaturesFile: join(dir, 'cosignatures.jsonl'),
    fraudProofsFile: join(dir, 'fraud-proofs.jsonl'),
    ...options,
  });
}

export function envelope(f: Fixture, signer: KeyPair, draft: Partial<EntryDraft> = {}): Uint8Array {
  return signEntry(
    buildEntry({
      network: f.network,
      org: 'contractor',
      signer: signer.publicKey,
      ...jointDraft(),
      ...draft,
    }),
    signer.seed,
  ).envelope;
}
