/**
 * The offline ceremony (DESIGN §3; docs/operations.md): `network init` creates a network's genesis,
 * swarm key and authority key files; `governance propose` writes an unsigned action for the next
 * position; each authority holder runs `governance sign` on their own machine with their own key
 * file; `governance submit` hands the signed action to a running node, which verifies it, applies
 * it and gossips it; `governance log` shows the applied log. `node-key new|activate` rotate this
 * node's own key once `org.rotate-key` is applied.
 *
 * Every step prints what the action changes and which network it is for, and refuses a file of
 * another network (GOV_WRONG_NETWORK) before anything is signed or sent.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generateKeyPair, hex32, LiuhenError, toBase64, toHex } from '@liuhen/core';
import {
  ACTION_TYPES,
  type ActionChange,
  type ActionType,
  AUTHORITY_ROTATE,
  DEFAULT_PARAMETERS,
  decodeGenesis,
  decodeSignedAction,
  describeAction,
  encodeGenesis,
  encodeSignedAction,
  foldGovernance,
  type GenesisOrg,
  GovernanceError,
  genesisFromJson,
  genesisToJson,
  isGovernanceError,
  mergeSignatures,
  networkId,
  ORG_ADD,
  ORG_REMOVE,
  ORG_ROTATE_KEY,
  ORG_SET_PARTIES,
  PARAMETER_NAMES,
  PARAMETER_SET,
  type Party,
  proposeAction,
  type SignedAction,
  signAction,
  signedActionToJson,
} from '@liuhen/governance';
import {
  type KeyFile,
  loadConfig,
  loadGenesis,
  NodeGovernance,
  openSeed,
  paths,
  readKeyFile,
  resolvePassphrase,
  sealSeed,
  writeKeyFile,
} from '@liuhen/node';
import { LedgerStore } from '@liuhen/store';
import type { Command } from 'commander';
import { dataDirOption, jsonOption, passphraseOption, print, remote, target } from './cli-common.ts';
import { call } from './client.ts';

/** An authority key file: a sealed key (keystore format) that also names its network. */
export interface AuthorityKeyFile extends KeyFile {
  /** The network id (hex) the key is an authority of. */
  network?: string;
  /** Its number among the genesis authorities, 1-based. */
  authority?: number;
}

/** The governance state as `GET /v1/governance` gives it (the part the CLI reads). */
interface GovernanceJson {
  network: string;
  name: string;
  profile: string;
  seq: number;
  head: string;
  time: number;
  authorities: { keys: string[]; threshold: number };
  parameters: Record<string, number>;
  orgs: Array<{
    id: string;
    name: string;
    nodeKey: string;
    parties: string[];
    addedAt: number;
    nodeKeys: Array<{ key: string; enrolledAt: number; retiredAt?: number; untilHeight?: number }>;
  }>;
  removed: Array<{ org: string; seq: number; size: number; reason: string }>;
  actions: Array<{
    seq: number;
    hash: string;
    time: number;
    type: string;
    description: string;
    signatures: Array<{ key: string }>;
  }>;
}

function invalid(message: string): never {
  throw new LiuhenError('REQUEST_INVALID', message);
}

function uint(value: unknown, flag: string): number {
  if (typeof value !== 'string' || !/^(0|[1-9][0-9]{0,15})$/.test(value))
    invalid(`${flag} must be a non-negative integer`);
  return Number(value);
}

function required(value: unknown, flag: string, type: string): string {
  if (typeof value !== 'string' || value === '') invalid(`${type} needs ${flag}`);
  return value;
}

function list(value: string | undefined): string[] {
  return value === undefined || value === '' ? [] : value.split(',').map((v) => v.trim());
}

function readBytes(path: string, what: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(path));
  } catch (cause) {
    throw new LiuhenError('CONFIG_INVALID', `cannot read ${what} ${path}: ${(cause as Error).message}`, {
      cause,
    });
  }
}

/** Writes a file atomically (temp file, rename); refuses to replace one unless `replace`. */
function writeFile(
  path: string,
  bytes: Uint8Array | string,
  options: { replace?: boolean; mode?: number } = {},
) {
  if (!options.replace && existsSync(path))
    throw new LiuhenError('CONFIG_INVALID', `${path} exists: refusing to overwrite it`);
  const temp = join(dirname(path), `.${process.pid}.tmp`);
  writeFileSync(temp, bytes, { mode: options.mode ?? 0o644 });
  renameSync(temp, path);
}

function readSignedAction(path: string): SignedAction {
  return decodeSignedAction(readBytes(path, 'the signed action'));
}

function wrongNetwork(actual: string, expected: string, what: string): never {
  throw new GovernanceError(
    'GOV_WRONG_NETWORK',
    `the action is for network ${actual}, ${what} is network ${expected}: refusing it`,
  );
}

/** What a signed action says, for people: the lines every ceremony step prints. */
function describe(signed: SignedAction): string[] {
  const { action } = signed;
  return [
    `network  ${toHex(action.network)}`,
    `action   ${action.seq} (${action.type}), proposed ${new Date(action.time).toISOString()}`,
    `previous ${toHex(action.previous)}`,
    `hash     ${toHex(signed.hash)}`,
    `change   ${describeAction(action)}`,
    `signed   ${signed.signatures.length === 0 ? 'by nobody yet (a proposal)' : `by ${signed.signatures.length}: ${signed.signatures.map((s) => toHex(s.key)).join(', ')}`}`,
  ];
}

function actionJson(signed: SignedAction): Record<string, unknown> {
  return { ...signedActionToJson(signed), description: describeAction(signed.action) };
}

// ---- the position a proposal extends ---------------------------------------------------------

interface Position {
  network: string;
  seq: number;
  head: string;
  time: number;
  source: string;
}

async function currentPosition(o: {
  genesis?: string;
  applied?: string[];
  node?: string;
  token?: string;
  dataDir?: string;
}): Promise<Position> {
  if (o.genesis !== undefined) {
    const bytes = readBytes(o.genesis, 'the genesis');
    const genesis = decodeGenesis(bytes);
    const state = foldGovernance(
      genesis,
      (o.applied ?? []).map((file) => readSignedAction(file)),
      networkId(bytes),
    );
    return {
      network: toHex(state.network),
      seq: state.seq,
      head: toHex(state.head.hash),
      time: state.seq === 0 ? genesis.created : state.action(state.seq).action.time,
      source: `${o.genesis}${o.applied?.length ? ` and ${o.applied.length} applied action(s)` : ''}`,
    };
  }
  const t = target(o);
  const state = await call<GovernanceJson>(t, 'GET', '/v1/governance');
  return { network: state.network, seq: state.seq, head: state.head, time: state.time, source: t.url };
}

function orgFromOptions(o: Record<string, string | undefined>): GenesisOrg {
  if (o.orgFile !== undefined) {
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(readFileSync(o.orgFile, 'utf8')) as Record<string, unknown>;
    } catch (cause) {
      throw new LiuhenError('REQUEST_INVALID', `--org-file: ${(cause as Error).message}`, { cause });
    }
    return {
      id: parsed.id as string,
      name: parsed.name as string,
      creditCode: parsed.creditCode as string,
      nodeKey: hex32(parsed.nodeKey, 'nodeKey'),
      parties: parsed.parties as Party[],
      bootstrap: (parsed.bootstrap as string[] | undefined) ?? [],
    };
  }
  return {
    id: required(o.id, '--id', ORG_ADD),
    name: required(o.legalName, '--legal-name', ORG_ADD),
    creditCode: required(o.creditCode, '--credit-code', ORG_ADD),
    nodeKey: hex32(required(o.nodeKey, '--node-key', ORG_ADD), '--node-key'),
    parties: list(required(o.parties, '--parties', ORG_ADD)) as Party[],
    bootstrap: list(o.bootstrap),
  };
}

function changeFromOptions(type: ActionType, o: Record<string, string | undefined>): ActionChange {
  switch (type) {
    case ORG_ADD:
      return { type, body: orgFromOptions(o) };
    case ORG_SET_PARTIES:
      return {
        type,
        body: {
          org: required(o.org, '--org', type),
          parties: list(required(o.parties, '--parties', type)) as Party[],
        },
      };
    case ORG_ROTATE_KEY:
      return {
        type,
        body: {
          org: required(o.org, '--org', type),
          nodeKey: hex32(required(o.nodeKey, '--node-key', type), '--node-key'),
          oldKeyUntilHeight: uint(
            required(o.oldKeyUntilHeight, '--old-key-until-height', type),
            '--old-key-until-height',
          ),
        },
      };
    case ORG_REMOVE:
      return {
        type,
        body: {
          org: required(o.org, '--org', type),
          freezeSize: uint(required(o.freezeSize, '--freeze-size', type), '--freeze-size'),
          reason: required(o.reason, '--reason', type),
        },
      };
    case AUTHORITY_ROTATE: {
      const keys =
        o.keyFiles !== undefined
          ? list(o.keyFiles).map((f) => hex32(readKeyFile(f).publicKey, f))
          : list(required(o.keys, '--keys or --key-files', type)).map((k, i) => hex32(k, `--keys[${i}]`));
      return {
        type,
        body: { keys, threshold: uint(required(o.threshold, '--threshold', type), '--threshold') },
      };
    }
    case PARAMETER_SET: {
      const name = required(o.parameter, '--parameter', type);
      if (!(PARAMETER_NAMES as readonly string[]).includes(name))
        invalid(`--parameter must be one of ${PARAMETER_NAMES.join(', ')}`);
      return {
        type,
        body: {
          name: name as (typeof PARAMETER_NAMES)[number],
          value: uint(required(o.value, '--value', type), '--value'),
        },
      };
    }
    default: {
      // Sealed-section encryption keys (docs/protocol.md §15), when the governance package has them.
      const name: string = type;
      if (name === 'org.set-encryption-key')
        return {
          type,
          body: {
            org: required(o.org, '--org', name),
            key: hex32(required(o.encryptionKey, '--encryption-key', name), '--encryption-key'),
          },
        } as never;
      if (name === 'org.remove-encryption-key')
        return {
          type,
          body: {
            org: required(o.org, '--org', name),
            keyId: hex32(required(o.keyId, '--key-id', name), '--key-id'),
            reason: required(o.reason, '--reason', name),
          },
        } as never;
      return invalid(`unknown action type ${name}`);
    }
  }
}

// ---- commands -----------------------------------------------------------------------------

export function registerGovernanceCommands(program: Command): void {
  const networkCommand = program.command('network').description('a network: the genesis ceremony');
  networkCommand
    .command('init')
    .description(
      'create a network: its genesis (CBOR, and JSON to review), its swarm key, and one authority key file per authority holder',
    )
    .requiredOption('--out-dir <dir>', 'where to write the files (must not hold them already)')
    .requiredOption('--name <name>', 'the network name')
    .requiredOption(
      '--orgs <file>',
      'JSON list of the initial orgs: {"id", "name", "creditCode", "nodeKey" (hex, from each node\'s `init`), "parties", "bootstrap"}',
    )
    .option('--profile <id>', 'profile id', 'pipe/1')
    .option('--authorities <n>', 'number of authority keys', '3')
    .option('--threshold <m>', 'signatures each governance action needs', '2')
    .addOption(passphraseOption())
    .addOption(jsonOption())
    .action((o) => {
      const count = uint(o.authorities, '--authorities');
      const threshold = uint(o.threshold, '--threshold');
      if (count < 1 || count > 64) invalid('--authorities must be 1 … 64');
      if (threshold < 1 || threshold > count) invalid(`--threshold must be 1 … ${count}`);
      let orgs: Array<Record<string, unknown>>;
      try {
        orgs = JSON.parse(readFileSync(o.orgs, 'utf8')) as Array<Record<string, unknown>>;
      } catch (cause) {
        throw new LiuhenError('REQUEST_INVALID', `--orgs: ${(cause as Error).message}`, { cause });
      }
      if (!Array.isArray(orgs)) invalid('--orgs must hold a JSON list of orgs');
      const authorities = Array.from({ length: count }, () => generateKeyPair());
      // Through the JSON reader, so every genesis rule is checked with the field named.
      const genesis = genesisFromJson(
        JSON.stringify({
          version: 1,
          name: o.name,
          profile: o.profile,
          created: Date.now(),
          authorities: { keys: authorities.map((a) => toHex(a.publicKey)), threshold },
          orgs: orgs.map((org) => ({ bootstrap: [], ...org })),
          parameters: DEFAULT_PARAMETERS,
        }),
      );
      const bytes = encodeGenesis(genesis);
      const id = toHex(networkId(bytes));
      const out = (name: string) => join(o.outDir, name);
      const files = [
        'genesis.cbor',
        'genesis.json',
        'swarm.key',
        ...authorities.map((_, i) => `authority-${i + 1}.json`),
      ];
      for (const f of files)
        if (existsSync(out(f)))
          throw new LiuhenError('CONFIG_INVALID', `${out(f)} exists: refusing to overwrite it`);
      const passphrase = resolvePassphrase(o);
      mkdirSync(o.outDir, { recursive: true, mode: 0o700 });
      writeFile(out('genesis.cbor'), bytes);
      writeFile(out('genesis.json'), genesisToJson(genesis));
      const psk = new Uint8Array(32);
      crypto.getRandomValues(psk);
      writeFile(out('swarm.key'), `/key/swarm/psk/1.0.0/\n/base16/\n${toHex(psk)}\n`, { mode: 0o600 });
      authorities.forEach((a, i) => {
        const file: AuthorityKeyFile = {
          ...sealSeed(a.seed, passphrase, `authority ${i + 1} of network ${id.slice(0, 16)}`),
          network: id,
          authority: i + 1,
        };
        writeKeyFile(out(`authority-${i + 1}.json`), file);
      });
      print(
        o.json,
        {
          networkId: id,
          name: genesis.name,
          orgs: genesis.orgs.map((g) => g.id),
          authorities: authorities.map((a, i) => ({
            file: out(`authority-${i + 1}.json`),
            key: toHex(a.publicKey),
          })),
          threshold,
          genesis: out('genesis.cbor'),
          pskFile: out('swarm.key'),
        },
        () =>
          [
            `network "${genesis.name}" (${genesis.profile}): network id ${id}`,
            `  ${genesis.orgs.length} org(s): ${genesis.orgs.map((g) => g.id).join(', ')}; governance actions need ${threshold} of ${count} authority signatures`,
            `wrote ${out('genesis.cbor')} (and genesis.json to review; the network id is the SHA-256 of the CBOR bytes)`,
            `wrote ${out('swarm.key')}: the private-network key (PSK file) to distribute`,
            '  give genesis.cbor and swarm.key to every member: copy both into each data directory (config p2p.pskFile)',
            ...authorities.map(
              (a, i) => `wrote ${out(`authority-${i + 1}.json`)}: authority key ${toHex(a.publicKey)}`,
            ),
            '  give each authority key file to one authority holder, to keep offline; never copy them to a node',
          ].join('\n'),
      );
    });

  networkCommand
    .command('authority-key')
    .description(
      'create a new authority key file, for `governance propose authority.rotate` (replacing a lost or stolen authority key)',
    )
    .requiredOption('--out <file>', 'the key file to write')
    .option('--genesis <file>', 'the genesis of the network the key will sign for')
    .option('--network <hex>', 'the network id the key will sign for')
    .addOption(passphraseOption())
    .addOption(jsonOption())
    .action((o) => {
      const network =
        o.genesis !== undefined
          ? toHex(networkId(readBytes(o.genesis, 'the genesis')))
          : o.network !== undefined
            ? toHex(hex32(o.network, '--network'))
            : invalid('say which network the key is for: --genesis or --network');
      if (existsSync(o.out))
        throw new LiuhenError('CONFIG_INVALID', `${o.out} exists: refusing to overwrite it`);
      const key = generateKeyPair();
      const file: AuthorityKeyFile = {
        ...sealSeed(key.seed, resolvePassphrase(o), `authority of network ${network.slice(0, 16)}`),
        network,
      };
      writeKeyFile(o.out, file);
      print(o.json, { network, key: toHex(key.publicKey), file: o.out }, () =>
        [
          `network ${network}`,
          `authority key ${toHex(key.publicKey)} written to ${o.out}`,
          'it signs nothing until an authority.rotate action that lists it is applied',
        ].join('\n'),
      );
    });

  const governance = program
    .command('governance')
    .description('the governance log: propose, sign, submit and read threshold-signed actions');

  const propose = remote(
    governance
      .command('propose')
      .description(
        'write an unsigned action (a proposal) for the next governance position, to be signed by the authorities',
      )
      .argument('<type>', ACTION_TYPES.join(' | ')),
  )
    .requiredOption('--out <file>', 'where to write the proposal (CBOR)')
    .option('--genesis <file>', 'offline: the genesis the position is read from (instead of a running node)')
    .option('--applied <files...>', 'offline: the signed actions applied since the genesis, in order')
    .option('--time <ms>', 'proposal time, ms since the epoch (default now)')
    .option('--org <id>', 'org.set-parties, org.rotate-key, org.remove: the org')
    .option('--org-file <file>', 'org.add: the org as JSON, as in genesis.json')
    .option('--id <id>', 'org.add: org id')
    .option('--legal-name <name>', 'org.add: registered legal name')
    .option('--credit-code <code>', 'org.add: unified social credit code')
    .option('--node-key <hex>', "org.add, org.rotate-key: the org's (new) node key")
    .option('--parties <list>', 'org.add, org.set-parties: party roles, comma-separated')
    .option('--bootstrap <list>', 'org.add: multiaddrs, comma-separated')
    .option('--old-key-until-height <h>', 'org.rotate-key: the last block height the old key may sign')
    .option(
      '--freeze-size <n>',
      "org.remove: the freeze point (entries at index ≥ n of the org's log are invalid)",
    )
    .option('--reason <text>', 'org.remove, org.remove-encryption-key: why')
    .option('--keys <list>', 'authority.rotate: the new authority keys, hex, comma-separated')
    .option('--key-files <list>', 'authority.rotate: the new authority key files, comma-separated')
    .option('--threshold <m>', 'authority.rotate: the new threshold')
    .option('--encryption-key <hex>', "org.set-encryption-key: the org's X25519 encryption key")
    .option('--key-id <hex>', 'org.remove-encryption-key: the key id (SHA-256 of the key) withdrawn')
    .option('--parameter <name>', 'parameter.set: the parameter')
    .option('--value <n>', 'parameter.set: its new value')
    .addOption(jsonOption());
  propose.action(async (type: string, o) => {
    if (!(ACTION_TYPES as readonly string[]).includes(type))
      invalid(`unknown action type ${type}: one of ${ACTION_TYPES.join(', ')}`);
    const position = await currentPosition(o);
    const change = changeFromOptions(type as ActionType, o);
    const time = o.time === undefined ? Math.max(Date.now(), position.time) : uint(o.time, '--time');
    const signed = proposeAction({
      version: 1,
      network: hex32(position.network, 'network'),
      seq: position.seq + 1,
      previous: hex32(position.head, 'head'),
      time,
      ...change,
    });
    writeFile(o.out, encodeSignedAction(signed));
    print(o.json, { ...actionJson(signed), out: o.out, from: position.source }, () =>
      [
        `proposal for position ${position.seq + 1} of the governance log (read from ${position.source})`,
        ...describe(signed),
        `written to ${o.out}: each authority holder now runs \`liuhen-node governance sign ${o.out} --key <their key file>\``,
      ].join('\n'),
    );
  });

  governance
    .command('sign')
    .description("add this authority's signature to an action file, on the authority holder's own machine")
    .argument('<file>', 'the proposal or partly signed action (CBOR)')
    .requiredOption('--key <file>', 'the authority key file (from network init)')
    .option('--out <file>', 'write the signed action here (default: rewrite <file>)')
    .option(
      '--genesis <file>',
      'the genesis of the network the key belongs to (if the key file does not name it)',
    )
    .option('--network <hex>', 'the network id the key belongs to (if the key file does not name it)')
    .addOption(passphraseOption())
    .addOption(jsonOption())
    .action((file: string, o) => {
      const signed = readSignedAction(file);
      const keyFile = readKeyFile(o.key) as AuthorityKeyFile;
      const genesisBytes = o.genesis === undefined ? undefined : readBytes(o.genesis, 'the genesis');
      const claims = [
        keyFile.network === undefined ? undefined : { id: keyFile.network, what: `the key file ${o.key}` },
        genesisBytes === undefined
          ? undefined
          : { id: toHex(networkId(genesisBytes)), what: `the genesis ${o.genesis}` },
        o.network === undefined ? undefined : { id: toHex(hex32(o.network, '--network')), what: '--network' },
      ].filter((c) => c !== undefined);
      if (claims.length === 0)
        throw new LiuhenError(
          'CONFIG_INVALID',
          'the key file does not name its network: pass --genesis or --network to say which network this key signs for',
        );
      const actual = toHex(signed.action.network);
      for (const claim of claims) if (claim.id !== actual) wrongNetwork(actual, claim.id, claim.what);
      if (genesisBytes !== undefined) {
        const authorities = decodeGenesis(genesisBytes).authorities.keys.map(toHex);
        if (!authorities.includes(keyFile.publicKey))
          console.error(
            `warning: ${keyFile.publicKey} is not a genesis authority (it must be one at position ${signed.action.seq - 1})`,
          );
      }
      const seed = openSeed(keyFile, resolvePassphrase(o));
      const out = o.out ?? file;
      const result = signAction(signed, seed);
      writeFile(out, encodeSignedAction(result), { replace: out === file });
      print(o.json, { ...actionJson(result), out, signer: keyFile.publicKey }, () =>
        [...describe(result), `added the signature of ${keyFile.publicKey}; written to ${out}`].join('\n'),
      );
    });

  governance
    .command('merge')
    .description('join the signatures of copies of one action signed in parallel')
    .argument('<files...>', 'copies of the same action (CBOR)')
    .requiredOption('--out <file>', 'where to write the merged action')
    .addOption(jsonOption())
    .action((files: string[], o) => {
      const copies = files.map(readSignedAction);
      const merged = copies.slice(1).reduce((a, b) => mergeSignatures(a, b), copies[0] as SignedAction);
      writeFile(o.out, encodeSignedAction(merged));
      print(o.json, { ...actionJson(merged), out: o.out }, () =>
        [...describe(merged), `written to ${o.out}`].join('\n'),
      );
    });

  governance
    .command('show')
    .description('what an action file says: network, position, change, signatures')
    .argument('<file>', 'a proposal or signed action (CBOR)')
    .addOption(jsonOption())
    .action((file: string, o) => {
      const signed = readSignedAction(file);
      print(o.json, actionJson(signed), () => describe(signed).join('\n'));
    });

  remote(
    governance
      .command('submit')
      .description('hand a signed action to a running node: it verifies, applies and gossips it')
      .argument('<file>', 'the signed action (CBOR)'),
  )
    .addOption(jsonOption())
    .action(async (file: string, o) => {
      const signed = readSignedAction(file);
      const t = target(o);
      const state = await call<GovernanceJson>(t, 'GET', '/v1/governance');
      const actual = toHex(signed.action.network);
      if (actual !== state.network) wrongNetwork(actual, state.network, `the node at ${t.url}`);
      if (!o.json)
        console.log(
          [
            `submitting to ${t.url} (network ${state.network}, at governance position ${state.seq})`,
            ...describe(signed),
          ].join('\n'),
        );
      const applied = await call<{ seq: number; hash: string; description: string; gossiped: boolean }>(
        t,
        'POST',
        '/v1/governance/actions',
        { signedAction: toBase64(encodeSignedAction(signed)) },
      );
      print(
        o.json,
        applied,
        () =>
          `applied: the governance log is at position ${applied.seq} (${applied.hash})${applied.gossiped ? '; gossiped to the network' : '; this node does not replicate'}`,
      );
    });

  governance
    .command('import')
    .description(
      "apply signed actions to this node's governance log offline (node stopped): a new department's node starts knowing the action that admits it",
    )
    .argument('<files...>', 'signed actions (CBOR), in log order')
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .action(async (files: string[], o) => {
      const { genesis, networkId: net } = loadGenesis(o.dataDir);
      const network = toHex(net);
      const actions = files.map((file) => {
        const signed = readSignedAction(file);
        const actual = toHex(signed.action.network);
        if (actual !== network) wrongNetwork(actual, network, `the data directory ${o.dataDir}`);
        return { file, signed };
      });
      const store = await LedgerStore.open(paths(o.dataDir).db);
      try {
        const log = await NodeGovernance.open({ store, genesis, networkId: net });
        const results: Array<{ file: string; seq: number; applied: boolean; description: string }> = [];
        for (const { file, signed } of actions) {
          let applied = true;
          try {
            await log.submit(signed);
          } catch (error) {
            if (!isGovernanceError(error, 'GOV_ACTION_REPLAYED')) throw error;
            applied = false;
          }
          results.push({ file, seq: signed.action.seq, applied, description: describeAction(signed.action) });
        }
        print(o.json, { network, seq: log.seq, head: toHex(log.head.hash), actions: results }, () =>
          [
            `network ${network}`,
            ...results.map(
              (r) => `  ${r.seq}  ${r.applied ? 'applied' : 'already applied'}: ${r.description}`,
            ),
            `governance position ${log.seq} ${toHex(log.head.hash)}`,
          ].join('\n'),
        );
      } finally {
        await store.close();
      }
    });

  remote(governance.command('log').description('the applied governance log and the state it gives'))
    .addOption(jsonOption())
    .action(async (o) => {
      const state = await call<GovernanceJson>(target(o), 'GET', '/v1/governance');
      print(o.json, state, () =>
        [
          `network  ${state.network} "${state.name}" (${state.profile})`,
          `position ${state.seq} ${state.head}`,
          `authorities ${state.authorities.threshold} of ${state.authorities.keys.length}: ${state.authorities.keys.join(', ')}`,
          `parameters ${Object.entries(state.parameters)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')}`,
          'members',
          ...state.orgs.map(
            (org) =>
              `  ${org.id}  ${org.parties.join(',')}  node key ${org.nodeKey}${org.addedAt > 0 ? `  (added at ${org.addedAt})` : ''}${org.nodeKeys
                .filter((k) => k.retiredAt !== undefined)
                .map((k) => `  old key ${k.key.slice(0, 16)}… signs up to height ${k.untilHeight}`)
                .join('')}`,
          ),
          ...(state.removed.length === 0
            ? []
            : [
                'removed',
                ...state.removed.map((r) => `  ${r.org}  at ${r.seq}, frozen at size ${r.size}: ${r.reason}`),
              ]),
          ...(state.actions.length === 0
            ? ['log      empty (the genesis alone)']
            : [
                'log',
                ...state.actions.map(
                  (a) =>
                    `  ${a.seq}  ${new Date(a.time).toISOString()}  ${a.description}  (${a.signatures.length} signatures, ${a.hash.slice(0, 16)}…)`,
                ),
              ]),
        ].join('\n'),
      );
    });

  const nodeKey = program.command('node-key').description("this node's org node key: rotation");
  nodeKey
    .command('new')
    .description(
      'create the next node key (keys/node-next.json) and print it, for `governance propose org.rotate-key`',
    )
    .addOption(dataDirOption())
    .addOption(passphraseOption())
    .addOption(jsonOption())
    .action((o) => {
      const config = loadConfig(o.dataDir);
      const path = join(dirname(paths(o.dataDir).nodeKey), 'node-next.json');
      if (existsSync(path)) throw new LiuhenError('CONFIG_INVALID', `${path} exists already`);
      const key = generateKeyPair();
      writeKeyFile(path, sealSeed(key.seed, resolvePassphrase(o), `${config.org} node key (next)`));
      const hex = toHex(key.publicKey);
      print(o.json, { org: config.org, nodeKey: hex, file: path }, () =>
        [
          `next node key of ${config.org}: ${hex} (in ${path})`,
          `propose: liuhen-node governance propose org.rotate-key --org ${config.org} --node-key ${hex} --old-key-until-height <h> --out rotate.cbor`,
          'once the action is applied: stop the node, run `liuhen-node node-key activate`, start it',
        ].join('\n'),
      );
    });
  nodeKey
    .command('activate')
    .description('make the next node key the node key (node stopped); the old key file is kept aside')
    .addOption(dataDirOption())
    .addOption(jsonOption())
    .action((o) => {
      const current = paths(o.dataDir).nodeKey;
      const next = join(dirname(current), 'node-next.json');
      if (!existsSync(next))
        throw new LiuhenError('CONFIG_INVALID', `no ${next}: create it with \`liuhen-node node-key new\``);
      const old = readKeyFile(current).publicKey;
      const retired = join(dirname(current), `node-${old.slice(0, 16)}.retired`);
      renameSync(current, retired);
      renameSync(next, current);
      const hex = readKeyFile(current).publicKey;
      print(o.json, { nodeKey: hex, retired }, () =>
        [`node key is now ${hex}`, `the old key ${old} is kept in ${retired}`].join('\n'),
      );
    });
}
