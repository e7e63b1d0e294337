/**
 * liuhen-node: the department node daemon CLI. Exit codes: 0 ok, 1 verification failed,
 * 2 usage or environment error. Every read command takes --json.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Entry,
  equalBytes,
  fromHex,
  generateKeyPair,
  hex32,
  importPublicKey,
  isLiuhenError,
  LiuhenError,
  openEnvelope,
  toHex,
} from '@liuhen/core';
import {
  appointmentBody,
  creditCodeCheckCharacter,
  DEFAULT_PARAMETERS,
  encodeGenesis,
  genesisToJson,
  isGovernanceError,
  nationalIdHash,
  networkId,
  OPERATOR_APPOINTED,
  OPERATOR_REVOKED,
  parseAppointment,
  parseRevocation,
  revocationBody,
} from '@liuhen/governance';
import {
  DEFAULT_RECOVERY_TIMEOUT_MS,
  initDataDir,
  type KeyFile,
  LedgerNode,
  loadConfig,
  loadGenesis,
  loadTokens,
  NodeGovernance,
  nodeKeyPublic,
  paths,
  readKeyFile,
  resolvePassphrase,
  saveOperatorKey,
  saveTokens,
  sealSeed,
  startDaemon,
  unlockNodeSeed,
  type VerifyReport,
  verifyStore,
  writeKeyFile,
} from '@liuhen/node';
import { BlobStore, LedgerStore } from '@liuhen/store';
import { SingleBar } from 'cli-progress';
import { Command, CommanderError, Option } from 'commander';
import { registerAccessCommands } from './access-cli.ts';
import { registerBackupCommands } from './backup-cli.ts';
import { dataDirOption, jsonOption, passphraseOption, print, remote, target } from './cli-common.ts';
import { call, fetchBytes } from './client.ts';
import { registerGovernanceCommands } from './governance-cli.ts';

const program = new Command('liuhen-node')
  .description('Liuhen (留痕) department node')
  .version('0.1.0')
  .exitOverride()
  .configureOutput({ outputError: (text, write) => write(text) });

program
  .command('init')
  .description('create a data directory and an encrypted org node key')
  .addOption(dataDirOption())
  .requiredOption('--org <id>', 'org id, e.g. contractor')
  .addOption(passphraseOption())
  .addOption(jsonOption())
  .action((o) => {
    const { seed } = generateKeyPair();
    const { publicKey } = initDataDir(o.dataDir, o.org, resolvePassphrase(o), seed);
    print(o.json, { org: o.org, nodeKey: publicKey, dataDir: o.dataDir }, () =>
      [`initialised ${o.dataDir} for org ${o.org}`, `node key ${publicKey}`].join('\n'),
    );
  });

const genesis = program.command('genesis').description('network genesis');
genesis
  .command('create')
  .description('create a one-machine development network whose only member is this node')
  .addOption(dataDirOption())
  .option('--name <name>', 'network name', 'liuhen-dev')
  .option('--profile <id>', 'profile id', 'pipe/1')
  .option('--legal-name <name>', "the org's legal name", 'Development Org')
  .option('--parties <list>', 'party roles of the org, comma-separated', 'contractor')
  .addOption(passphraseOption())
  .addOption(jsonOption())
  .action((o) => {
    const config = loadConfig(o.dataDir);
    const authority = generateKeyPair();
    const first17 = `91440300${toHex(randomBytes(5))
      .toUpperCase()
      .replace(/[IOSVZ]/g, '0')
      .slice(0, 9)}`;
    const bytes = encodeGenesis({
      version: 1,
      name: o.name,
      profile: o.profile,
      created: Date.now(),
      authorities: { keys: [authority.publicKey], threshold: 1 },
      orgs: [
        {
          id: config.org,
          name: o.legalName,
          creditCode: first17 + creditCodeCheckCharacter(first17),
          nodeKey: fromHex(nodeKeyPublic(o.dataDir)),
          parties: o.parties.split(','),
          bootstrap: [],
        },
      ],
      parameters: DEFAULT_PARAMETERS,
    } as never);
    writeFileSync(paths(o.dataDir).genesis, bytes);
    writeFileSync(
      `${paths(o.dataDir).genesis.slice(0, -5)}.json`,
      `${genesisToJson(loadGenesis(o.dataDir).genesis)}\n`,
    );
    const id = toHex(networkId(bytes));
    // The key file names its network, so `governance sign` refuses another network's action.
    writeKeyFile(`${o.dataDir}/keys/authority.json`, {
      ...sealSeed(authority.seed, resolvePassphrase(o), 'authority key'),
      network: id,
    } as KeyFile);
    print(o.json, { networkId: id }, () => `genesis written; network id ${id}`);
  });

const operator = program
  .command('operator')
  .description("operators (persons who sign entries), recorded on the org's own log");

/** The operator records of this org's log about `key`, oldest first. */
async function operatorRecords(store: LedgerStore, org: string, key: Uint8Array) {
  const read = async (kind: string) =>
    (
      await Promise.all(
        (
          await store.byKind(kind)
        ).map(async (hit) => {
          const envelope = await store.envelope(hit.org, hit.index);
          return envelope && { index: hit.index, entry: openEnvelope(envelope).entry };
        }),
      )
    ).filter((r): r is { index: number; entry: Entry } => r !== undefined && r.entry.org === org);
  const appointed = (await read(OPERATOR_APPOINTED))
    .map((r) => ({ index: r.index, appointment: parseAppointment(r.entry) }))
    .filter((r) => equalBytes(r.appointment.operator, key));
  const revoked = (await read(OPERATOR_REVOKED)).filter((r) =>
    equalBytes(parseRevocation(r.entry).operator, key),
  );
  return { appointed, revoked };
}

/** The node, opened offline on the data directory (the daemon must be stopped: LevelDB's lock). */
async function openOffline(dataDir: string, passphrase: string) {
  const config = loadConfig(dataDir);
  const { genesis: g, networkId: net } = loadGenesis(dataDir);
  const nodeSeed = unlockNodeSeed(dataDir, passphrase);
  const store = await LedgerStore.open(paths(dataDir).db);
  try {
    const node = await LedgerNode.open({ store, genesis: g, networkId: net, org: config.org, nodeSeed });
    return { config, node, store, nodeSeed, network: toHex(net) };
  } catch (error) {
    await store.close();
    throw error;
  }
}

function appointOptions(command: Command, replacing: boolean): Command {
  return command
    .addOption(dataDirOption())
    .requiredOption(
      '--name <name>',
      replacing
        ? 'the operator, by the name of their key file on this node'
        : "the operator's name (also the key file name)",
    )
    .option(
      '--roles <list>',
      replacing
        ? 'roles, comma-separated (default: as appointed)'
        : 'roles, comma-separated, e.g. QI or SE,CSE',
    )
    .option('--licence <no>', 'licence number', '')
    .option('--national-id <id>', 'national ID number; only a salted hash is recorded')
    .option('--valid-from <date>', 'start of the appointment, ISO 8601 (default: now)')
    .option('--valid-days <n>', 'validity from its start, days', '1825')
    .addOption(passphraseOption())
    .addOption(jsonOption());
}

/**
 * Appoints an operator: a new key, the appointment on the org's log (signed by the node key), the
 * key file and an API token. With `replacing`, the new key replaces the operator's current key
 * (`replaces`): the old key is ended at that index, and both keys stay one person's history.
 */
async function appointOperator(o: Record<string, string | undefined>, replacing: boolean): Promise<void> {
  const passphrase = resolvePassphrase(o);
  const dataDir = o.dataDir as string;
  const name = o.name as string;
  const keyFile = join(paths(dataDir).operators, `${name}.json`);
  let previous: { key: Uint8Array; appointment: ReturnType<typeof parseAppointment> } | undefined;
  const now = Date.now();
  const validFrom = o.validFrom === undefined ? now - 60_000 : Date.parse(o.validFrom);
  if (!Number.isFinite(validFrom))
    throw new LiuhenError('REQUEST_INVALID', `--valid-from ${o.validFrom} is not a date`);
  if (!replacing && o.roles === undefined)
    throw new LiuhenError('REQUEST_INVALID', 'say which roles: --roles');
  const { config, node, store, nodeSeed, network } = await openOffline(dataDir, passphrase);
  try {
    if (replacing) {
      if (!existsSync(keyFile))
        throw new LiuhenError('CONFIG_INVALID', `this node holds no key of an operator named ${name}`);
      const key = fromHex(readKeyFile(keyFile).publicKey);
      const records = await operatorRecords(store, config.org, key);
      const last = records.appointed.at(-1);
      if (last === undefined)
        throw new LiuhenError('OPERATOR_UNKNOWN', `${name}'s key was never appointed on ${config.org}'s log`);
      previous = { key, appointment: last.appointment };
    } else if (existsSync(keyFile)) {
      throw new LiuhenError('CONFIG_INVALID', `operator ${name} already has a key (rotate it instead)`);
    }
    // A key held elsewhere is checked as any enrolled key is (canonical, not small-order).
    const held = o.key === undefined ? generateKeyPair() : undefined;
    const operatorKey = held?.publicKey ?? importPublicKey(fromHex(o.key as string));
    const salt = randomBytes(32);
    const appointment = {
      operator: operatorKey,
      name: previous?.appointment.name ?? name,
      roles: o.roles === undefined ? [...(previous?.appointment.roles ?? [])] : o.roles.split(','),
      licence: o.licence || previous?.appointment.licence || `none:${name}`,
      // One person, one identity: a rotation keeps the salted ID hash of the key it replaces.
      idHash: previous?.appointment.idHash ?? nationalIdHash(salt, o.nationalId ?? `unrecorded:${name}`),
      validFrom,
      validUntil: validFrom + Number(o.validDays ?? '1825') * 86_400_000,
      ...(previous === undefined ? {} : { replaces: previous.key }),
    };
    const ack = await node.appendUnsigned(
      {
        object: `operator:${toHex(operatorKey)}`,
        kind: OPERATOR_APPOINTED,
        role: 'ORG',
        time: now,
        body: appointmentBody(appointment),
      },
      nodeSeed,
    );
    let token: string | undefined;
    if (previous !== undefined) {
      // The replaced key is kept aside (not as *.json, so the node no longer signs with it).
      renameSync(
        keyFile,
        join(paths(dataDir).operators, `${name}.${toHex(previous.key).slice(0, 16)}.replaced`),
      );
      if (held !== undefined) saveOperatorKey(dataDir, name, held.seed, passphrase);
    } else {
      if (held !== undefined) saveOperatorKey(dataDir, name, held.seed, passphrase);
      token = randomBytes(24).toString('base64url');
      saveTokens(dataDir, [
        ...loadTokens(dataDir),
        {
          sha256: createHash('sha256').update(token).digest('hex'),
          name,
          // The node can sign for an operator only with a key file of theirs.
          ...(held === undefined ? {} : { operator: name }),
        },
      ]);
    }
    print(
      o.json as boolean | undefined,
      {
        network,
        org: config.org,
        operator: toHex(operatorKey),
        entry: ack,
        ...(token === undefined ? {} : { token }),
        ...(previous === undefined ? {} : { replaces: toHex(previous.key) }),
      },
      () =>
        [
          `network ${network}, org ${config.org}`,
          previous === undefined
            ? `appointed ${name} (${appointment.roles.join(',')}) at log index ${ack.index}`
            : `rotated ${name}'s key at log index ${ack.index}: ${toHex(previous.key)} is replaced (its entries before index ${ack.index} stay valid; it signs nothing after) by`,
          `operator key ${toHex(operatorKey)}`,
          ...(token === undefined
            ? ["the operator's API tokens now sign with the new key"]
            : [`API token (shown once): ${token}`]),
        ].join('\n'),
    );
  } finally {
    await node.close();
  }
}

appointOptions(
  operator
    .command('appoint')
    .alias('add')
    .description(
      "appoint an operator on the org's log, create their key and an API token (node must be stopped)",
    ),
  false,
)
  .option(
    '--key <hex>',
    "appoint this public key, whose seed stays on the operator's own device: no key file is made, and the token only submits entries signed there",
  )
  .action((o) => appointOperator(o, false));

appointOptions(
  operator
    .command('rotate')
    .description(
      "give an operator a new key that replaces their current one on the org's log: one identity, the old key ends there (node must be stopped)",
    ),
  true,
).action((o) => appointOperator(o, true));

operator
  .command('revoke')
  .description(
    "revoke an operator on the org's log: entries they sign after it are refused (OPERATOR_REVOKED); earlier ones stay valid (node must be stopped)",
  )
  .addOption(dataDirOption())
  .option('--name <name>', 'the operator, by the name of a key file this node holds')
  .option('--key <hex>', "the operator's public key, for a key this node does not hold")
  .option('--reason <text>', 'why, recorded on the log', 'revoked by the org')
  .addOption(passphraseOption())
  .addOption(jsonOption())
  .action(async (o) => {
    if ((o.name === undefined) === (o.key === undefined)) {
      throw new LiuhenError('REQUEST_INVALID', 'say which operator: exactly one of --name, --key');
    }
    let operatorKey: Uint8Array;
    if (o.name !== undefined) {
      const file = join(paths(o.dataDir).operators, `${o.name}.json`);
      if (!existsSync(file))
        throw new LiuhenError('CONFIG_INVALID', `this node holds no key of an operator named ${o.name}`);
      operatorKey = fromHex(readKeyFile(file).publicKey);
    } else {
      operatorKey = hex32(o.key, '--key');
    }
    const { config, node, store, nodeSeed, network } = await openOffline(o.dataDir, resolvePassphrase(o));
    try {
      const hex = toHex(operatorKey);
      const records = await operatorRecords(store, config.org, operatorKey);
      if (records.appointed.length === 0) {
        throw new LiuhenError(
          'OPERATOR_UNKNOWN',
          `operator ${hex} was never appointed on ${config.org}'s log`,
        );
      }
      if (records.revoked.length > 0) {
        throw new LiuhenError('OPERATOR_REVOKED', `operator ${hex} is already revoked`);
      }
      const ack = await node.appendUnsigned(
        {
          object: `operator:${hex}`,
          kind: OPERATOR_REVOKED,
          role: 'ORG',
          body: revocationBody({ operator: operatorKey, reason: o.reason }),
        },
        nodeSeed,
      );
      print(o.json, { network, org: config.org, operator: hex, entry: ack }, () =>
        [
          `network ${network}, org ${config.org}`,
          `revoked ${o.name ?? hex} at log index ${ack.index}`,
          `entries they sign from now on are refused; their entries below index ${ack.index} stay valid`,
        ].join('\n'),
      );
    } finally {
      await node.close();
    }
  });

program
  .command('token')
  .description('issue an API token for an app (reads and pre-signed appends)')
  .addOption(dataDirOption())
  .requiredOption('--name <name>', 'who the token is for')
  .option('--clearance <level>', 'public, internal (default) or restricted: what it may read (DESIGN §11)')
  .addOption(jsonOption())
  .action((o) => {
    if (o.clearance !== undefined && !['public', 'internal', 'restricted'].includes(o.clearance))
      throw new LiuhenError(
        'CONFIG_INVALID',
        `--clearance ${o.clearance}: expected public, internal or restricted`,
      );
    const token = randomBytes(24).toString('base64url');
    saveTokens(o.dataDir, [
      ...loadTokens(o.dataDir),
      {
        sha256: createHash('sha256').update(token).digest('hex'),
        name: o.name,
        ...(o.clearance === undefined ? {} : { clearance: o.clearance }),
      },
    ]);
    print(
      o.json,
      { name: o.name, token },
      () => `API token for ${o.name} (shown once; restart the node to load it): ${token}`,
    );
  });

/** A whole number of seconds ≥ 1, for a duration flag. */
function positiveSeconds(value: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(value))
    throw new LiuhenError('CONFIG_INVALID', `"${value}" is not a whole number of seconds ≥ 1`);
  return Number(value);
}

program
  .command('start')
  .description('run the node in the foreground; SIGINT/SIGTERM flush and stop')
  .addOption(dataDirOption())
  .option('--host <host>', 'listen address (default 127.0.0.1)')
  .option('--port <port>', 'listen port (default 7420; 0 = any free port)', (v) => Number.parseInt(v, 10))
  .option(
    '--log-level <level>',
    'fatal, error, warn, info, debug, trace or silent (default: config logLevel, else info)',
  )
  .addOption(passphraseOption())
  .addOption(
    new Option(
      '--recovery-timeout <seconds>',
      'after a restore: how long to wait for peers to recover the own log from before failing with RECOVERY_TIMEOUT',
    )
      .env('LIUHEN_RECOVERY_TIMEOUT')
      .default(DEFAULT_RECOVERY_TIMEOUT_MS / 1000)
      .argParser(positiveSeconds),
  )
  .action(async (o) => {
    const daemon = await startDaemon({
      dataDir: o.dataDir,
      passphrase: resolvePassphrase(o),
      overrides: { host: o.host, port: o.port, logLevel: o.logLevel },
      recoveryTimeoutMs: o.recoveryTimeout * 1000,
    });
    const stop = (signal: string) => {
      daemon.logger.info({ signal }, 'stopping');
      daemon.stop().then(
        () => process.exit(0),
        (error) => {
          daemon.logger.error({ err: error }, 'stop failed');
          process.exit(2);
        },
      );
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });

remote(program.command('status').description('node status'))
  .addOption(jsonOption())
  .action(async (o) => {
    const t = target(o);
    const status = await call<{
      org: string;
      network: string;
      log: { size: number; height: number; pending: number };
      orgs?: Record<
        string,
        {
          size: number;
          height: number;
          bestKnown: number;
          lag: number;
          syncing: boolean;
          frozen: boolean;
          lastCosigners: string[];
        }
      >;
    }>(t, 'GET', '/v1/status');
    // Fraud proofs belong in the status an operator reads: each one freezes an org.
    const fraud =
      status.orgs === undefined
        ? undefined
        : (
            await call<{ fraudProofs: Array<{ org: string; kind: string; first: string; second: string }> }>(
              t,
              'GET',
              '/v1/fraud-proofs',
            )
          ).fraudProofs;
    print(o.json, fraud === undefined ? status : { ...status, fraudProofs: fraud }, () =>
      [
        `org      ${status.org}`,
        `network  ${status.network}`,
        `log      ${status.log.size} entries, ${status.log.height} blocks, ${status.log.pending} pending`,
        ...(status.orgs === undefined
          ? []
          : [
              'replicas (org  size/best known  lag  last cosigners)',
              ...Object.entries(status.orgs).map(
                ([org, s]) =>
                  `  ${org}  ${s.size}/${s.bestKnown}  ${s.lag}${s.syncing ? ' syncing' : ''}${s.frozen ? '  FROZEN' : ''}  ${s.lastCosigners.join(',') || '-'}`,
              ),
            ]),
        ...(fraud === undefined || fraud.length === 0
          ? []
          : [
              `FRAUD PROOFS: ${fraud.length}`,
              ...fraud.map(
                (f) =>
                  `  ${f.org} (${f.kind}): ${f.first.split('\n')[1]} vs ${f.second.split('\n')[1]} entries`,
              ),
            ]),
      ].join('\n'),
    );
  });

remote(program.command('peers').description('connected replication peers'))
  .addOption(jsonOption())
  .action(async (o) => {
    const peers = await call<{
      enabled: boolean;
      addrs: string[];
      peers: Array<{ peerId: string; org?: string; addrs: string[]; score: number }>;
      denied: string[];
    }>(target(o), 'GET', '/v1/peers');
    print(o.json, peers, () =>
      peers.enabled
        ? [
            ...peers.addrs.map((a) => `listening ${a}`),
            `${peers.peers.length} peer(s)`,
            ...peers.peers.map(
              (p) => `  ${p.org ?? '?'}  ${p.peerId}  score ${p.score.toFixed(1)}  ${p.addrs.join(' ')}`,
            ),
            ...(peers.denied.length === 0 ? [] : [`refused by config: ${peers.denied.join(', ')}`]),
          ].join('\n')
        : 'replication is off (no p2p section in config.json)',
    );
  });

remote(
  program.command('append').description('append an entry: JSON (as POST /v1/entries) from a file or stdin'),
)
  .argument('[file]', 'JSON file; - or omitted for stdin')
  .addOption(jsonOption())
  .action(async (file, o) => {
    const text = readFileSync(file === undefined || file === '-' ? 0 : file, 'utf8');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (cause) {
      throw new LiuhenError('REQUEST_INVALID', `input is not JSON: ${(cause as Error).message}`);
    }
    const ack = await call<{ id: string; index: number; height: number }>(
      target(o),
      'POST',
      '/v1/entries',
      body,
    );
    print(o.json, ack, () => `appended ${ack.id} at index ${ack.index} (block ${ack.height})`);
  });

remote(program.command('object').description("an object's trace in causal order"))
  .argument('<id>', 'object id')
  .addOption(jsonOption())
  .action(async (id, o) => {
    const trace = await call<{
      entries: Array<{
        id: string;
        index: number;
        entry: { kind: string; time: number; role: string; org: string };
      }>;
    }>(target(o), 'GET', `/v1/objects/${encodeURIComponent(id)}`);
    print(o.json, trace, () =>
      trace.entries
        .map(
          (e) =>
            `${new Date(e.entry.time).toISOString()}  ${e.entry.org}/${e.index}  ${e.entry.role.padEnd(4)} ${e.entry.kind}  ${e.id.slice(0, 16)}…`,
        )
        .join('\n'),
    );
  });

remote(
  program
    .command('export')
    .description("an object's offline-verifiable bundle (protocol §14), for liuhen-inspect"),
)
  .argument('<object>', 'object id')
  .requiredOption('--out <file>', 'where to write the bundle')
  .option('--attachments', "include the attachments' bytes")
  .action(async (object, o) => {
    const bytes = await fetchBytes(
      target(o),
      `/v1/objects/${encodeURIComponent(object)}/bundle${o.attachments ? '?attachments=1' : ''}`,
    );
    writeFileSync(o.out, bytes);
    process.stdout.write(`${o.out}: bundle of ${object}, ${bytes.length} bytes\n`);
  });

program
  .command('verify')
  .description(
    'verify the whole store: every entry, header, hash chain, Merkle root and blob (node must be stopped)',
  )
  .addOption(dataDirOption())
  .option('--threads <n>', 'worker threads (default: all cores)', (v) => Number.parseInt(v, 10))
  .addOption(jsonOption())
  .action(async (o) => {
    const { genesis: g, networkId: net } = loadGenesis(o.dataDir);
    // Opening would create an empty store, which would then "verify" as clean.
    if (!existsSync(paths(o.dataDir).db)) {
      throw new LiuhenError(
        'CONFIG_INVALID',
        `${paths(o.dataDir).db} does not exist: there is no store to verify`,
      );
    }
    const opening = performance.now();
    let store: LedgerStore;
    try {
      store = await LedgerStore.open(paths(o.dataDir).db);
    } catch (error) {
      // A store too damaged to open has failed verification (exit 1); a locked or unreadable
      // one is an environment problem (exit 2).
      const causes = causeChain(error);
      if (causes.some((c) => c.code === 'LEVEL_LOCKED')) {
        throw new LiuhenError('STORE_UNAVAILABLE', 'the database is locked: stop the node before verifying', {
          cause: error,
        });
      }
      if (!causes.some((c) => STORE_DAMAGE.has(c.code ?? ''))) throw error;
      const reasons = [...new Set(causes.map((c) => c.message.replace(/^[A-Z_]+: /, '')))];
      const report: VerifyReport = {
        ok: false,
        entries: 0,
        blocks: 0,
        blobs: 0,
        findings: [
          {
            kind: 'storage',
            code: causes.some((c) => c.code === 'STORE_INCOMPATIBLE')
              ? 'STORE_INCOMPATIBLE'
              : 'STORE_CORRUPT',
            message: `the store cannot be opened: ${reasons.join(': ')}`,
          },
        ],
        seconds: (performance.now() - opening) / 1000,
      };
      printReport(o.json, report);
      process.exitCode = 1;
      return;
    }
    const bar =
      process.stderr.isTTY && !o.json
        ? new SingleBar({
            format: 'verify [{bar}] {percentage}% {value}/{total} entries, ETA {eta_formatted}',
          })
        : undefined;
    let started = false;
    try {
      // The governance log, folded again: orgs added later, rotated keys, freeze points.
      let governance: NodeGovernance;
      try {
        governance = await NodeGovernance.open({ store, genesis: g, networkId: net });
      } catch (error) {
        if (!isLiuhenError(error, 'STORE_CORRUPT')) throw error;
        printReport(o.json, {
          ok: false,
          entries: 0,
          blocks: 0,
          blobs: 0,
          findings: [{ kind: 'storage', code: 'STORE_CORRUPT', message: error.message }],
          seconds: (performance.now() - opening) / 1000,
        });
        process.exitCode = 1;
        return;
      }
      const report = await verifyStore({
        store,
        blobs: new BlobStore(paths(o.dataDir).blobs),
        genesis: g,
        networkId: net,
        governance: governance.state,
        ...(o.threads ? { threads: o.threads } : {}),
        onProgress: ({ done, total }) => {
          if (!bar) return;
          if (!started) bar.start(total, 0);
          started = true;
          bar.update(done);
        },
      });
      bar?.stop();
      printReport(o.json, report);
      process.exitCode = report.ok ? 0 : 1;
    } finally {
      await store.close().catch(() => undefined);
    }
  });

/** Codes that mean the store itself is damaged, wherever they occur in an error's cause chain. */
const STORE_DAMAGE = new Set(['STORE_CORRUPT', 'STORE_INCOMPATIBLE', 'LEVEL_CORRUPTION']);

function causeChain(error: unknown): Array<{ code?: string; message: string }> {
  const chain: Array<{ code?: string; message: string }> = [];
  for (
    let e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined;
    e && chain.length < 8;
  ) {
    chain.push({ ...(typeof e.code === 'string' ? { code: e.code } : {}), message: String(e.message ?? e) });
    e = e.cause as typeof e;
  }
  return chain;
}

function printReport(json: boolean | undefined, report: VerifyReport): void {
  print(json, report, () =>
    [
      report.ok ? 'ok: store verifies clean' : `FAILED: ${report.findings.length} problem(s)`,
      `${report.entries} entries, ${report.blocks} blocks, ${report.blobs} blobs in ${report.seconds.toFixed(2)} s`,
      ...report.findings.map(
        (f) =>
          `  ${f.code}  ${f.kind}${f.org ? ` ${f.org}` : ''}${f.index !== undefined ? ` entry ${f.index}` : ''}${f.height !== undefined ? ` block ${f.height}` : ''}${f.blob ? ` blob ${f.blob}` : ''}: ${f.message}`,
      ),
    ].join('\n'),
  );
}

registerGovernanceCommands(program);
registerBackupCommands(program);
registerAccessCommands(program);

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? 0 : 2;
  } else if (isLiuhenError(error) || isGovernanceError(error)) {
    // Governance codes (GOV_*, ORG_FROZEN, NODE_KEY_*) are printed like core's.
    console.error(`error ${error.code}: ${error.message.replace(`${error.code}: `, '')}`);
    process.exitCode = 2;
  } else {
    console.error(`error: ${(error as Error).message}`);
    process.exitCode = 2;
  }
}
