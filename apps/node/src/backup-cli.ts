/**
 * `liuhen-node backup <dir>` and `liuhen-node restore <dir>` (docs/operations.md, "Back up and
 * restore").
 *
 * A backup is a directory:
 *
 *   manifest.json        format, org, network, node key (public), what is included, SHA-256 of every file
 *   store.snapshot       the whole LevelDB store at one instant (packages/store snapshot.ts)
 *   blobs/               the attachments, as in a data directory
 *   config.json, genesis.cbor, genesis.json, tokens.json (token hashes only),
 *   cosignatures.jsonl, fraud-proofs.jsonl
 *   keys/, swarm.key     only with --include-keys
 *
 * The store is read from one LevelDB snapshot: through the running daemon's API (it holds the
 * database's lock), or directly when the node is stopped. Blobs are copied after the snapshot,
 * so every attachment the snapshot's entries reference that the node held is in the copy (blobs
 * are immutable and only ever added). The witness files are append-only JSON lines, copied up to
 * their last complete line.
 *
 * Keys are secrets and are left out unless asked for. The key files are encrypted under the
 * passphrase (scrypt, AES-256-GCM); the passphrase itself is never written anywhere, and the
 * swarm key (not encrypted) goes with the keys. A backup without keys restores only with
 * `--keys-from`, a directory holding the node's keys (its old data directory, or the operator's
 * separate key copy), and the node key there must be the one the backup names.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LiuhenError, toHex } from '@liuhen/core';
import { loadConfig, loadGenesis, nodeKeyPublic, paths, RESTORE_MARKER, readKeyFile } from '@liuhen/node';
import { BlobStore, checkSnapshot, LedgerStore, restoreSnapshot } from '@liuhen/store';
import { type Command, Option } from 'commander';
import { dataDirOption, jsonOption, print } from './cli-common.ts';

export const BACKUP_FORMAT = 'liuhen-backup/1';

export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  created: string;
  org: string;
  network: string;
  nodeKey: string;
  /** The store was read through a running daemon (true) or opened directly (false). */
  online: boolean;
  /** keys/ and swarm.key are in the backup. */
  keys: boolean;
  store: { file: string; bytes: number; records: number; sha256: string };
  blobs: { count: number; bytes: number; damaged: string[] };
  /** Every other file, relative path → SHA-256 hex. */
  files: Record<string, string>;
}

/** Files of a data directory copied into every backup, when present. */
const PLAIN_FILES = [
  'config.json',
  'genesis.cbor',
  'genesis.json',
  'tokens.json',
  'cosignatures.jsonl',
  'fraud-proofs.jsonl',
];
const JSON_LINES = new Set(['cosignatures.jsonl', 'fraud-proofs.jsonl']);
const SNAPSHOT_FILE = 'store.snapshot';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return true;
    throw error;
  }
}

/** Every file under `dir`, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (at: string) => {
    for (const item of await readdir(at, { withFileTypes: true })) {
      const path = join(at, item.name);
      if (item.isDirectory()) await walk(path);
      else if (item.isFile()) out.push(relative(dir, path));
    }
  };
  if (existsSync(dir)) await walk(dir);
  return out.sort();
}

/** The key files and swarm key of a data directory, relative paths (the swarm key only if inside it). */
async function secretFiles(dataDir: string): Promise<string[]> {
  const keys = (await filesUnder(join(dataDir, 'keys'))).map((f) => join('keys', f));
  const psk = loadConfig(dataDir).p2p?.pskFile;
  if (psk !== undefined && !isAbsolute(psk) && existsSync(join(dataDir, psk))) keys.push(psk);
  return keys;
}

/** Writes `source` to `file`, returning its size and SHA-256; fsynced. */
async function writeStream(
  file: string,
  source: AsyncIterable<Uint8Array>,
): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  const out = createWriteStream(file, { mode: 0o600, flush: true });
  await pipeline(Readable.from(source, { objectMode: false }), counter, out);
  return { bytes, sha256: hash.digest('hex') };
}

/** The store snapshot: directly if the node is stopped, else through the daemon's API. */
async function openSnapshot(
  dataDir: string,
  remote: { node?: string; token?: string },
): Promise<{ chunks: AsyncIterable<Uint8Array>; online: boolean; done: () => Promise<void> }> {
  const db = paths(dataDir).db;
  if (!existsSync(db))
    throw new LiuhenError('CONFIG_INVALID', `${db} does not exist: there is no store to back up`);
  try {
    const store = await LedgerStore.open(db);
    return { chunks: store.snapshot(), online: false, done: () => store.close() };
  } catch (error) {
    if (!causeCodes(error).includes('LEVEL_LOCKED')) throw error;
  }
  // The daemon holds the lock: ask it.
  const token = remote.token ?? process.env.LIUHEN_TOKEN;
  if (!token)
    throw new LiuhenError(
      'CONFIG_INVALID',
      'the node is running: pass --token (or set LIUHEN_TOKEN) so the backup can read its store through the API',
    );
  const config = loadConfig(dataDir);
  // A wildcard listen address is reached on loopback; an IPv6 literal needs brackets in a URL.
  const host =
    config.host === '0.0.0.0'
      ? '127.0.0.1'
      : config.host === '::'
        ? '[::1]'
        : config.host.includes(':')
          ? `[${config.host}]`
          : config.host;
  const url = remote.node ?? `http://${host}:${config.port}`;
  let response: Response;
  try {
    response = await fetch(new URL('/v1/backup/store', url), {
      headers: { authorization: `Bearer ${token}` },
    });
  } catch (cause) {
    throw new LiuhenError('CONFIG_INVALID', `the store is locked but the node at ${url} cannot be reached`, {
      cause,
    });
  }
  if (!response.ok || response.body === null) {
    const body = (await response.json().catch(() => ({}))) as { error?: { code: string; message: string } };
    throw new LiuhenError(
      'REQUEST_INVALID',
      `the node refused the backup: ${body.error?.code ?? response.status} ${body.error?.message ?? ''}`.trim(),
    );
  }
  return {
    chunks: Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>),
    online: true,
    done: async () => undefined,
  };
}

/** The codes along an error's cause chain (level wraps the lock failure in its open error). */
function causeCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (let e = error as { code?: unknown; cause?: unknown } | undefined; e && codes.length < 8; ) {
    codes.push(String(e.code));
    e = e.cause as typeof e;
  }
  return codes;
}

/** Copies a JSON-lines file up to its last complete line (a writer may be mid-line). */
function copyJsonLines(from: string, to: string): string {
  const bytes = readFileSync(from);
  const end = bytes.lastIndexOf(0x0a) + 1;
  const complete = bytes.subarray(0, end);
  writeFileSync(to, complete, { mode: 0o600 });
  return sha256(complete);
}

/** Copies every blob through a BlobStore, so each is re-hashed on the way and fsynced. */
async function copyBlobs(fromDir: string, toDir: string): Promise<BackupManifest['blobs']> {
  const from = new BlobStore(fromDir);
  const to = new BlobStore(toDir);
  const result: BackupManifest['blobs'] = { count: 0, bytes: 0, damaged: [] };
  for await (const hash of from.list()) {
    try {
      const stored = await to.put(from.get(hash), {
        maxBytes: Number.MAX_SAFE_INTEGER,
        expectedSha256: hash,
      });
      result.count++;
      result.bytes += stored.size;
    } catch (error) {
      // A damaged attachment is reported, not copied: `verify` names it on the node too.
      if ((error as { code?: string }).code !== 'BLOB_CORRUPT') throw error;
      result.damaged.push(toHex(hash));
    }
  }
  return result;
}

export async function backup(
  dataDir: string,
  out: string,
  options: { includeKeys: boolean; node?: string; token?: string },
): Promise<BackupManifest> {
  const config = loadConfig(dataDir);
  const { networkId } = loadGenesis(dataDir);
  if (!(await isEmptyOrMissing(out)))
    throw new LiuhenError('CONFIG_INVALID', `${out} is not empty: back up into a new directory`);
  await mkdir(out, { recursive: true, mode: 0o700 });
  // First the snapshot: it pins the instant the copy stands for.
  const snapshot = await openSnapshot(dataDir, options);
  let written: { bytes: number; sha256: string };
  try {
    written = await writeStream(join(out, SNAPSHOT_FILE), snapshot.chunks);
  } finally {
    await snapshot.done();
  }
  // A truncated transfer (the daemon stopped mid-way) must fail now, not at restore.
  const summary = await checkSnapshot(createReadStream(join(out, SNAPSHOT_FILE)));
  const blobs = await copyBlobs(paths(dataDir).blobs, join(out, 'blobs'));
  const files: Record<string, string> = {};
  for (const name of PLAIN_FILES) {
    const from = join(dataDir, name);
    if (!existsSync(from)) continue;
    if (JSON_LINES.has(name)) files[name] = copyJsonLines(from, join(out, name));
    else {
      await copyFile(from, join(out, name));
      files[name] = sha256(await readFile(join(out, name)));
    }
  }
  if (options.includeKeys) {
    for (const name of await secretFiles(dataDir)) {
      await mkdir(dirname(join(out, name)), { recursive: true, mode: 0o700 });
      await copyFile(join(dataDir, name), join(out, name));
      await chmod(join(out, name), 0o600);
      files[name] = sha256(await readFile(join(out, name)));
    }
  }
  const manifest: BackupManifest = {
    format: BACKUP_FORMAT,
    created: new Date().toISOString(),
    org: config.org,
    network: toHex(networkId),
    nodeKey: nodeKeyPublic(dataDir),
    online: snapshot.online,
    keys: options.includeKeys,
    store: { file: SNAPSHOT_FILE, bytes: written.bytes, records: summary.records, sha256: written.sha256 },
    blobs,
    files,
  };
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
  return manifest;
}

function readManifest(dir: string): BackupManifest {
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as BackupManifest;
  } catch (cause) {
    throw new LiuhenError('CONFIG_INVALID', `${dir} is not a Liuhen backup (no readable manifest.json)`, {
      cause,
    });
  }
  if (manifest.format !== BACKUP_FORMAT)
    throw new LiuhenError(
      'CONFIG_INVALID',
      `${dir}: backup format ${String(manifest.format)} is not ${BACKUP_FORMAT}`,
    );
  return manifest;
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface RestoreReport {
  dataDir: string;
  org: string;
  network: string;
  records: number;
  /** The own log's size in the backup; the daemon fetches what its peers hold beyond it. */
  ownLogSize: number;
  blobs: number;
  keysFrom: 'backup' | string;
}

export async function restore(
  from: string,
  dataDir: string,
  options: { keysFrom?: string },
): Promise<RestoreReport> {
  const manifest = readManifest(from);
  if (!(await isEmptyOrMissing(dataDir)))
    throw new LiuhenError(
      'CONFIG_INVALID',
      `${dataDir} is not empty: restore into a fresh data directory (never over a node's data)`,
    );
  // Everything is checked before anything is written.
  for (const [name, expected] of Object.entries(manifest.files)) {
    if ((await fileSha256(join(from, name)).catch(() => 'missing')) !== expected)
      throw new LiuhenError('STORE_CORRUPT', `backup file ${name} is missing or does not match the manifest`);
  }
  if ((await fileSha256(join(from, manifest.store.file))) !== manifest.store.sha256)
    throw new LiuhenError('STORE_CORRUPT', `${manifest.store.file} does not match the manifest`);
  let keySource: string;
  let keyFiles: string[];
  if (manifest.keys) {
    keySource = from;
    keyFiles = Object.keys(manifest.files).filter((f) => f.startsWith('keys/') || f === 'swarm.key');
  } else if (options.keysFrom !== undefined) {
    keySource = options.keysFrom;
    keyFiles = (await filesUnder(join(keySource, 'keys'))).map((f) => join('keys', f));
    if (existsSync(join(keySource, 'swarm.key'))) keyFiles.push('swarm.key');
  } else {
    throw new LiuhenError(
      'CONFIG_INVALID',
      "this backup holds no keys: give --keys-from DIR, a directory with the node's keys/ (and swarm.key)",
    );
  }
  const nodeKeyFile = join(keySource, 'keys', 'node.json');
  if (!existsSync(nodeKeyFile))
    throw new LiuhenError(
      'CONFIG_INVALID',
      `${nodeKeyFile} is missing: the node key is needed to run the node`,
    );
  if (readKeyFile(nodeKeyFile).publicKey !== manifest.nodeKey)
    throw new LiuhenError(
      'CONFIG_INVALID',
      `the node key in ${keySource} is not the one the backup names (${manifest.nodeKey})`,
    );
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const summary = await restoreSnapshot(paths(dataDir).db, createReadStream(join(from, manifest.store.file)));
  const blobs = await copyBlobs(join(from, 'blobs'), paths(dataDir).blobs);
  for (const name of Object.keys(manifest.files).filter((f) => !keyFiles.includes(f))) {
    await copyFile(join(from, name), join(dataDir, name));
  }
  for (const name of keyFiles) {
    await mkdir(dirname(join(dataDir, name)), { recursive: true, mode: 0o700 });
    await copyFile(join(keySource, name), join(dataDir, name));
    await chmod(join(dataDir, name), 0o600);
  }
  if (existsSync(paths(dataDir).tokens)) await chmod(paths(dataDir).tokens, 0o600);
  const store = await LedgerStore.open(paths(dataDir).db);
  let ownLogSize: number;
  try {
    ownLogSize = (await store.logHead(manifest.org))?.header.size ?? 0;
  } finally {
    await store.close();
  }
  // The daemon reads this at start and first fetches the own log's tail from peers (daemon.ts).
  writeFileSync(
    join(dataDir, RESTORE_MARKER),
    `${JSON.stringify({ backup: manifest.created, ownLogSize }, null, 2)}\n`,
  );
  return {
    dataDir,
    org: manifest.org,
    network: manifest.network,
    records: summary.records,
    ownLogSize,
    blobs: blobs.count,
    keysFrom: manifest.keys ? 'backup' : keySource,
  };
}

export function registerBackupCommands(program: Command): void {
  program
    .command('backup')
    .description(
      'copy the store (one consistent snapshot, also while the node runs), the attachments and the configuration into a new directory; keys only with --include-keys',
    )
    .argument('<dir>', 'where to write the backup (must be new or empty)')
    .addOption(dataDirOption())
    .option('--include-keys', 'also copy keys/ (encrypted under the passphrase) and swarm.key')
    .option('--node <url>', "the running node's API (default: from the data directory's config)")
    .addOption(new Option('--token <token>', 'API token, when the node runs (else LIUHEN_TOKEN)'))
    .addOption(jsonOption())
    .action(async (dir, o) => {
      const manifest = await backup(o.dataDir, dir, {
        includeKeys: o.includeKeys === true,
        ...(o.node === undefined ? {} : { node: o.node }),
        ...(o.token === undefined ? {} : { token: o.token }),
      });
      print(o.json, manifest, () =>
        [
          `backup of ${manifest.org} written to ${dir} (${manifest.online ? 'online, through the running node' : 'node stopped'})`,
          `store: ${manifest.store.records} records, ${manifest.store.bytes} bytes, sha256 ${manifest.store.sha256}`,
          `blobs: ${manifest.blobs.count} (${manifest.blobs.bytes} bytes)`,
          manifest.keys
            ? 'keys: included (encrypted under the passphrase; keep this backup as safe as the node)'
            : 'keys: NOT included; keep a separate copy of keys/ and swarm.key (restore --keys-from)',
          ...manifest.blobs.damaged.map((b) => `DAMAGED blob not copied: ${b}`),
        ].join('\n'),
      );
      if (manifest.blobs.damaged.length > 0) process.exitCode = 1;
    });

  program
    .command('restore')
    .description(
      'rebuild a fresh data directory from a backup; the node then fetches what its peers hold beyond it before it appends',
    )
    .argument('<backup>', 'a directory written by liuhen-node backup')
    .addOption(dataDirOption())
    .option('--keys-from <dir>', 'where the keys are, for a backup made without --include-keys')
    .addOption(jsonOption())
    .action(async (from, o) => {
      const report = await restore(from, o.dataDir, o.keysFrom === undefined ? {} : { keysFrom: o.keysFrom });
      print(o.json, report, () =>
        [
          `restored ${report.org} into ${report.dataDir}: ${report.records} store records, ${report.blobs} blobs, keys from ${report.keysFrom}`,
          `own log: ${report.ownLogSize} entries in the backup`,
          'next: liuhen-node verify, then start; with replication the node first fetches the rest of its own log from its peers',
        ].join('\n'),
      );
    });
}
