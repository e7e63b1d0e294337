/**
 * A node's data directory and configuration. Layout:
 *
 *   config.json            org, listen address, limits (see NodeConfig)
 *   genesis.cbor           the network genesis (network id = SHA-256 of these bytes)
 *   keys/node.json         the org node key, encrypted
 *   keys/operators/*.json  operator keys the node signs with for API tokens, encrypted
 *   keys/encryption/*.json the org's X25519 encryption secrets (sealed sections), encrypted, named
 *                          by key id; retired ones stay, for what was sealed to them
 *   tokens.json            API tokens: SHA-256 of each token, its name, its operator
 *   db/                    LevelDB: logs, headers, Merkle nodes, indexes
 *   blobs/                 attachments, named by SHA-256
 *   cosignatures.jsonl     witness cosignatures received and made (with p2p)
 *   fraud-proofs.jsonl     fraud proofs; an org with one is frozen (with p2p)
 *
 * Settings are taken, highest first, from command-line flags, environment variables
 * (LIUHEN_HOST, LIUHEN_PORT, LIUHEN_LOG_LEVEL), config.json, then the defaults below.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type EncryptionKeyPair, encryptionKeyPair, LiuhenError, toHex } from '@liuhen/core';
import { decodeGenesis, type Genesis, networkId } from '@liuhen/governance';
import type { ApiToken } from './http/server.ts';
import { encryptionPublicKey, openSeed, readKeyFile, sealSeed, writeKeyFile } from './keystore.ts';

/** The `p2p` section of config.json: replication with the other member nodes (DESIGN §5). */
export interface P2pConfig {
  /** Listen multiaddrs, or a TCP port on 127.0.0.1 (default /ip4/127.0.0.1/tcp/0). */
  listen?: Array<string | number> | string | number;
  /** The network's swarm key file; relative paths are from the data directory. */
  pskFile: string;
  /** Peers to stay connected to, each with /p2p/<peer id> (default: the genesis orgs' bootstrap). */
  bootstrap?: string[];
  /** Heads exchange with every peer this often, ms (default 30 000). */
  antiEntropyMs?: number;
  /** Member orgs (ids) or peer ids this node refuses to connect to; see replication.ts. */
  denyPeers?: string[];
}

export interface NodeConfig {
  org: string;
  host: string;
  port: number;
  logLevel: string;
  maxBlobBytes: number;
  maxPending: number;
  /** Present: replicate with the other member nodes. */
  p2p?: P2pConfig;
}

export const DEFAULT_CONFIG: Omit<NodeConfig, 'org'> = {
  host: '127.0.0.1',
  port: 7420,
  logLevel: 'info',
  maxBlobBytes: 256 * 1024 * 1024,
  maxPending: 20_000,
};

export const paths = (dir: string) => ({
  config: join(dir, 'config.json'),
  genesis: join(dir, 'genesis.cbor'),
  nodeKey: join(dir, 'keys', 'node.json'),
  operators: join(dir, 'keys', 'operators'),
  encryption: join(dir, 'keys', 'encryption'),
  tokens: join(dir, 'tokens.json'),
  db: join(dir, 'db'),
  blobs: join(dir, 'blobs'),
  cosignatures: join(dir, 'cosignatures.jsonl'),
  fraudProofs: join(dir, 'fraud-proofs.jsonl'),
});

function readJson<T>(path: string, what: string): T {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (cause) {
    throw new LiuhenError('CONFIG_INVALID', `cannot read ${what} at ${path}: ${(cause as Error).message}`, {
      cause,
    });
  }
}

export function loadConfig(dir: string, overrides: Partial<NodeConfig> = {}): NodeConfig {
  if (!existsSync(paths(dir).config)) {
    throw new LiuhenError('CONFIG_INVALID', `${dir} is not a node data directory (run liuhen-node init)`);
  }
  const file = readJson<Partial<NodeConfig>>(paths(dir).config, 'config');
  const env: Partial<NodeConfig> = {};
  if (process.env.LIUHEN_HOST) env.host = process.env.LIUHEN_HOST;
  if (process.env.LIUHEN_PORT) env.port = Number(process.env.LIUHEN_PORT);
  if (process.env.LIUHEN_LOG_LEVEL) env.logLevel = process.env.LIUHEN_LOG_LEVEL;
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const config = { ...DEFAULT_CONFIG, ...file, ...env, ...defined } as NodeConfig;
  if (typeof config.org !== 'string' || config.org === '')
    throw new LiuhenError('CONFIG_INVALID', 'config: org is missing');
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) {
    throw new LiuhenError('CONFIG_INVALID', `config: port ${config.port} is not a TCP port`);
  }
  if (config.p2p !== undefined) {
    const p2p = config.p2p as Partial<P2pConfig> | null;
    if (p2p === null || typeof p2p !== 'object' || typeof p2p.pskFile !== 'string')
      throw new LiuhenError('CONFIG_INVALID', 'config: p2p needs pskFile');
    if (p2p.bootstrap !== undefined && !Array.isArray(p2p.bootstrap))
      throw new LiuhenError('CONFIG_INVALID', 'config: p2p.bootstrap must be a list of multiaddrs');
  }
  return config;
}

export function initDataDir(
  dir: string,
  org: string,
  passphrase: string,
  seed: Uint8Array,
): { publicKey: string } {
  if (existsSync(paths(dir).config)) throw new LiuhenError('CONFIG_INVALID', `${dir} is already initialised`);
  mkdirSync(paths(dir).operators, { recursive: true, mode: 0o700 });
  const file = sealSeed(seed, passphrase, `${org} node key`);
  writeKeyFile(paths(dir).nodeKey, file);
  writeFileSync(paths(dir).config, `${JSON.stringify({ org, ...DEFAULT_CONFIG }, null, 2)}\n`);
  writeFileSync(paths(dir).tokens, '[]\n', { mode: 0o600 });
  return { publicKey: file.publicKey };
}

export function loadGenesis(dir: string): { genesis: Genesis; networkId: Uint8Array; bytes: Uint8Array } {
  if (!existsSync(paths(dir).genesis)) {
    throw new LiuhenError(
      'CONFIG_INVALID',
      `no genesis in ${dir} (run liuhen-node genesis create, or copy the network's genesis.cbor)`,
    );
  }
  const bytes = new Uint8Array(readFileSync(paths(dir).genesis));
  return { genesis: decodeGenesis(bytes), networkId: networkId(bytes), bytes };
}

export function nodeKeyPublic(dir: string): string {
  return readKeyFile(paths(dir).nodeKey).publicKey;
}

export function unlockNodeSeed(dir: string, passphrase: string): Uint8Array {
  return openSeed(readKeyFile(paths(dir).nodeKey), passphrase);
}

export function saveOperatorKey(dir: string, name: string, seed: Uint8Array, passphrase: string): void {
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) {
    throw new LiuhenError('CONFIG_INVALID', `operator name "${name}" must be 1-64 of A-Z a-z 0-9 . _ -`);
  }
  const path = join(paths(dir).operators, `${name}.json`);
  if (existsSync(path)) throw new LiuhenError('CONFIG_INVALID', `operator ${name} already has a key`);
  writeKeyFile(path, sealSeed(seed, passphrase, `operator ${name}`));
}

export function unlockOperatorSeeds(dir: string, passphrase: string): Map<string, Uint8Array> {
  const seeds = new Map<string, Uint8Array>();
  if (!existsSync(paths(dir).operators)) return seeds;
  for (const file of readdirSync(paths(dir).operators).filter((f) => f.endsWith('.json'))) {
    seeds.set(file.slice(0, -5), openSeed(readKeyFile(join(paths(dir).operators, file)), passphrase));
  }
  return seeds;
}

export function loadTokens(dir: string): ApiToken[] {
  if (!existsSync(paths(dir).tokens)) return [];
  return readJson<ApiToken[]>(paths(dir).tokens, 'tokens');
}

export function saveTokens(dir: string, tokens: readonly ApiToken[]): void {
  writeFileSync(paths(dir).tokens, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
}

/**
 * Stores an org X25519 encryption secret (protocol §15.1) under keys/encryption/<key id>.json,
 * encrypted like every other key. The daemon unlocks all of them: old entries stay sealed to
 * retired keys.
 */
export function saveEncryptionKey(dir: string, secret: Uint8Array, passphrase: string): EncryptionKeyPair {
  const pair = encryptionKeyPair(secret);
  mkdirSync(paths(dir).encryption, { recursive: true, mode: 0o700 });
  const path = join(paths(dir).encryption, `${toHex(pair.keyId)}.json`);
  if (existsSync(path))
    throw new LiuhenError('CONFIG_INVALID', `encryption key ${toHex(pair.keyId)} is already stored`);
  writeKeyFile(path, sealSeed(secret, passphrase, 'org encryption key', encryptionPublicKey));
  return pair;
}

/** Every encryption key pair the data directory holds, oldest file name first (by key id). */
export function unlockEncryptionKeys(dir: string, passphrase: string): EncryptionKeyPair[] {
  if (!existsSync(paths(dir).encryption)) return [];
  return readdirSync(paths(dir).encryption)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) =>
      encryptionKeyPair(
        openSeed(readKeyFile(join(paths(dir).encryption, f)), passphrase, encryptionPublicKey),
      ),
    );
}
