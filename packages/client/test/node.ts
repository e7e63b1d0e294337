/**
 * A real department node for the client's tests: a `liuhen-node start` child process on 127.0.0.1
 * with a real LevelDB store in a fresh data directory, its genesis, an app token bound to no
 * operator, and one operator appointed by public key (`operator add --key`): the seed is made
 * here, as on the operator's own device, and never reaches the node.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CborMap, generateKeyPair, toHex } from '@liuhen/core';
import { generateScenario } from '@liuhen/profile-pipe/scenario';
import {
  cliJson,
  issueToken,
  type PreparedNode,
  prepareNode,
  type RunningNode,
  removeDir,
  startNode,
  stopAll,
} from '../../../scripts/lib/node-process.ts';
import type { PipeBody, PipeKind } from '../src/index.ts';

export interface TestNode {
  url: string;
  /** Reads and pre-signed appends only. */
  token: string;
  genesis: Uint8Array;
  /** The seed of operator li-wei (role QI), as the business system holds it. */
  seed: Uint8Array;
  prepared: PreparedNode;
  running: RunningNode;
  stop(): Promise<void>;
}

export async function startTestNode(): Promise<TestNode> {
  const prepared = prepareNode('contractor', []);
  const { seed, publicKey } = generateKeyPair();
  cliJson([
    'operator',
    'add',
    '--data-dir',
    prepared.dir,
    '--name',
    'li-wei',
    '--roles',
    'QI',
    '--licence',
    'LIC-li-wei',
    '--valid-from',
    new Date(Date.now() - 90 * 86_400_000).toISOString(),
    '--key',
    toHex(publicKey),
  ]);
  if (existsSync(join(prepared.dir, 'keys', 'operators', 'li-wei.json')))
    throw new Error('operator add --key left a key file on the node');
  const token = issueToken(prepared.dir, 'erp-system');
  const genesis = new Uint8Array(readFileSync(join(prepared.dir, 'genesis.cbor')));
  const running = await startNode(prepared.dir);
  return {
    url: running.url,
    token,
    genesis,
    seed,
    prepared,
    running,
    stop: async () => {
      await running.stop('SIGTERM');
      await stopAll();
      removeDir(prepared.dir);
    },
  };
}

/**
 * Schema-valid pipe/1 bodies and object ids from the profile's scenario generator, so the tests
 * follow the schemas as they evolve instead of hand-written copies of them.
 */
const scenario = generateScenario({ segments: 3, years: 1, patrolsPerYear: 1 });
const bodies = new Map<string, CborMap>();
for (const e of scenario.entries) if (!bodies.has(e.entry.kind)) bodies.set(e.entry.kind, e.entry.body);

export function bodyOf<K extends PipeKind>(kind: K): PipeBody<K> {
  const body = bodies.get(kind);
  if (body === undefined) throw new Error(`the scenario has no ${kind} entry`);
  return body as unknown as PipeBody<K>;
}

/** Segment ids in the pipe/1 scheme, e.g. `seg:SZ-WS000101-WS000102#1`. */
export const SEGMENTS = scenario.segments;
/** A valid genesis of another network. */
export const OTHER_GENESIS = scenario.genesisBytes;
