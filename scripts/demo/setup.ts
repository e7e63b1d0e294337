/**
 * Setting up the six departments, as docs/operations.md "Creating a network" describes: each
 * department runs `liuhen-node init`; the convener runs the offline ceremony (`network init`,
 * three authority key files, threshold two); every data directory receives the genesis and the
 * swarm key; each department issues its business system a token (`token`) and, once its node
 * runs, appoints the people who sign for it (`appointments`). The authorities also sign, offline,
 * the publication of the water utility's encryption key (`governance propose
 * org.set-encryption-key`, `governance sign` with two of the three key files), submitted once the
 * nodes run.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  buildEntry,
  type EncryptionKeyPair,
  generateEncryptionKeyPair,
  generateKeyPair,
  type KeyPair,
  signEntry,
  toHex,
} from '@liuhen/core';
import type { Person, Scenario } from '@liuhen/profile-pipe/scenario';
import { appointmentBody, OPERATOR_APPOINTED, ORG_ROLE } from '../../packages/governance/src/index.ts';
import { peerIdFromNodeKey } from '../../packages/net/src/index.ts';
import { openSeed, readKeyFile } from '../../packages/node/src/keystore.ts';
import { CLI, ensureDir, freePort, nodeJson, onCleanUp, PASSPHRASE, patchConfig, run } from './network.ts';
import { DEPARTMENTS, type Department, departmentOf, type Signer } from './project.ts';

/** The member the demo plays itself, to equivocate: a genesis member with no daemon. */
export const ROGUE = {
  id: 'rehab',
  label: 'pipe rehabilitation contractor (scripted)',
  parties: ['contractor'],
} as const;

export interface DepartmentSetup {
  readonly dept: Department;
  readonly dir: string;
  readonly p2pPort: number;
  readonly nodeKey: string;
  /** The business system's API token (`token --name erp`). */
  readonly token: string;
  /** People appointed on this department's log. */
  readonly people: readonly string[];
  readonly staff: ReadonlyArray<{ person: Person; key: KeyPair }>;
}

export interface NetworkSetup {
  readonly base: string;
  readonly ceremony: string;
  readonly networkId: string;
  readonly network: Uint8Array;
  readonly departments: readonly DepartmentSetup[];
  /** By the generator's person key (hex): the key appointed for them on the demo network. */
  readonly signers: ReadonlyMap<string, Signer>;
  readonly rogue: KeyPair;
  /** The utility's encryption key; its secret here only when the node cannot hold it. */
  readonly utilityKey: { publicKey: Uint8Array; secret: EncryptionKeyPair | undefined };
  /** The signed `org.set-encryption-key` action for the utility, to submit. */
  readonly encryptionAction: string;
  addr(org: string): string;
  /** Moves `org`'s p2p listen port (its config and `addr`), when another process took the port. */
  movePort(org: string, port: number): void;
}

const DAY = 86_400_000;

export async function setUp(
  scenario: Scenario,
  simStart: number,
  say: (line: string) => void,
): Promise<NetworkSetup> {
  const base = mkdtempSync(join(tmpdir(), 'liuhen-demo-'));
  // The reports stay; the nodes' data directories and the ceremony's key files go with the nodes.
  onCleanUp(() => {
    for (const entry of readdirSync(base))
      if (entry !== 'reports') rmSync(join(base, entry), { recursive: true, force: true, maxRetries: 3 });
    if (readdirSync(base).length === 0) rmSync(base, { recursive: true, force: true });
  });
  const ceremony = join(base, 'ceremony');
  const dirs = new Map(DEPARTMENTS.map((d) => [d.id, ensureDir(join(base, d.id))]));
  const ports = new Map<string, number>();
  for (const d of DEPARTMENTS) ports.set(d.id, await freePort());

  // 1. Each department creates its node key.
  const keys = new Map<string, string>();
  await Promise.all(
    DEPARTMENTS.map(async (d) => {
      const out = await nodeJson<{ nodeKey: string }>([
        'init',
        '--data-dir',
        dirs.get(d.id) as string,
        '--org',
        d.id,
      ]);
      keys.set(d.id, out.nodeKey);
    }),
  );

  // 2. The convener's offline ceremony, 90 days before the project registers (as the generator's).
  const rogue = generateKeyPair();
  const castOrg = (id: string) => scenario.orgs.find((o) => o.id === id);
  const orgs = [
    ...DEPARTMENTS.map((d) => {
      const legal = castOrg(d.cast[0] as string);
      return {
        id: d.id,
        name: legal?.name ?? d.label,
        creditCode: legal?.creditCode,
        nodeKey: keys.get(d.id),
        parties: d.parties,
      };
    }),
    {
      id: ROGUE.id,
      name: castOrg('repair')?.name ?? ROGUE.label,
      creditCode: castOrg('repair')?.creditCode,
      nodeKey: toHex(rogue.publicKey),
      parties: ROGUE.parties,
    },
  ];
  const orgsFile = join(base, 'orgs.json');
  writeFileSync(orgsFile, JSON.stringify(orgs, null, 2));
  const ceremonyAt = simStart - 90 * DAY;
  const init = await nodeJson<{ networkId: string }>(
    [
      'network',
      'init',
      '--out-dir',
      ceremony,
      '--name',
      '深圳市某区市政管网 (Liuhen demo)',
      '--orgs',
      orgsFile,
      '--authorities',
      '3',
      '--threshold',
      '2',
    ],
    ceremonyAt,
  );
  say(`network id ${init.networkId}  (genesis: 3 authority keys, threshold 2; ${orgs.length} members)`);
  const genesis = readFileSync(join(ceremony, 'genesis.cbor'));
  const swarm = readFileSync(join(ceremony, 'swarm.key'));
  const addr = (org: string) => {
    const peer = peerIdFromNodeKey(Uint8Array.from(Buffer.from(keys.get(org) as string, 'hex')));
    return `/ip4/127.0.0.1/tcp/${ports.get(org)}/p2p/${peer.toString()}`;
  };
  for (const d of DEPARTMENTS) {
    const dir = dirs.get(d.id) as string;
    writeFileSync(join(dir, 'genesis.cbor'), genesis);
    writeFileSync(join(dir, 'swarm.key'), swarm, { mode: 0o600 });
    patchConfig(dir, {
      logLevel: 'info',
      p2p: {
        listen: [`/ip4/127.0.0.1/tcp/${ports.get(d.id)}`],
        pskFile: 'swarm.key',
        bootstrap: DEPARTMENTS.filter((o) => o.id !== d.id).map((o) => addr(o.id)),
        antiEntropyMs: 3_000,
      },
    });
  }

  // 3. The utility's encryption key, published through governance: proposed against the genesis
  //    and signed offline by authorities 1 and 3, concurrently with the appointments.
  // The utility's node holds the key itself (`encryption-key new`) where the node can seal and
  // open sections (issue 8); otherwise the utility's business system holds it.
  const utilityDir = dirs.get('utility') as string;
  const held = await run(CLI, ['encryption-key', 'new', '--data-dir', utilityDir, '--json']);
  const nodeHeldKey = held.status === 0;
  const clientKey = nodeHeldKey ? undefined : generateEncryptionKeyPair();
  const utilityKey = {
    publicKey: nodeHeldKey
      ? Uint8Array.from(
          Buffer.from((JSON.parse(held.stdout) as { encryptionKey: string }).encryptionKey, 'hex'),
        )
      : (clientKey as EncryptionKeyPair).publicKey,
    secret: clientKey,
  };
  const encryptionAction = join(ceremony, 'utility-encryption-key.cbor');
  const governance = (async () => {
    const propose = await run(
      CLI,
      [
        'governance',
        'propose',
        'org.set-encryption-key',
        '--genesis',
        join(ceremony, 'genesis.cbor'),
        '--org',
        'utility',
        '--encryption-key',
        toHex(utilityKey.publicKey),
        '--out',
        encryptionAction,
        '--json',
      ],
      { clock: ceremonyAt + DAY },
    );
    if (propose.status !== 0) throw new Error(`governance propose failed: ${propose.stderr}`);
    for (const n of [1, 3]) {
      const sign = await run(CLI, [
        'governance',
        'sign',
        encryptionAction,
        '--key',
        join(ceremony, `authority-${n}.json`),
        '--json',
      ]);
      if (sign.status !== 0) throw new Error(`governance sign (authority ${n}) failed: ${sign.stderr}`);
    }
  })();

  // 4. Each department's business system gets an API token; the people who sign for it are
  //    appointed once its node runs (appointments).
  governance.catch(() => undefined);
  const signing = new Set(scenario.entries.map((e) => toHex(e.entry.signer)));
  const people = scenario.people.filter((p) => signing.has(toHex(p.key)));
  const signers = new Map<string, Signer>();
  const staff = new Map<string, Array<{ person: Person; key: KeyPair }>>();
  for (const p of people) {
    // The person's signing key, held by the department's business system.
    const key = generateKeyPair();
    signers.set(toHex(p.key), { name: p.name, publicKey: key.publicKey, seed: key.seed });
    const org = departmentOf(p.org).id;
    staff.set(org, [...(staff.get(org) ?? []), { person: p, key }]);
  }
  const setups = await Promise.all(
    DEPARTMENTS.map(async (d): Promise<DepartmentSetup> => {
      const dir = dirs.get(d.id) as string;
      // The utility's business system may read restricted data on its own node; the lab's is
      // cleared too, to show that clearance is not enough without a wrapped key.
      const clearance =
        nodeHeldKey && (d.id === 'utility' || d.id === 'lab') ? ['--clearance', 'restricted'] : [];
      const token = (
        await nodeJson<{ token: string }>(['token', '--data-dir', dir, '--name', 'erp', ...clearance])
      ).token;
      return {
        dept: d,
        dir,
        p2pPort: ports.get(d.id) as number,
        nodeKey: keys.get(d.id) as string,
        token,
        people: (staff.get(d.id) ?? []).map(({ person }) => `${person.name} (${person.roles.join(',')})`),
        staff: staff.get(d.id) ?? [],
      };
    }),
  );
  await governance;
  return {
    base,
    ceremony,
    networkId: init.networkId,
    network: Uint8Array.from(Buffer.from(init.networkId, 'hex')),
    departments: setups,
    signers,
    rogue,
    utilityKey,
    encryptionAction,
    addr,
    movePort(org, port) {
      ports.set(org, port);
      const dir = dirs.get(org) as string;
      const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as { p2p: object };
      patchConfig(dir, { p2p: { ...config.p2p, listen: [`/ip4/127.0.0.1/tcp/${port}`] } });
    },
  };
}

/**
 * The department's appointments of its people (`org.operator-appointed`, signed by the org's node
 * key, as `liuhen-node operator appoint` signs them): their names, roles, licences, salted ID
 * hashes and appointment windows, for the keys their business system holds. Posted pre-signed, so
 * twenty people need no twenty CLI runs; the node key is opened from the department's key file.
 */
export function appointments(setup: DepartmentSetup, network: Uint8Array, time: number): Uint8Array[] {
  const nodeSeed = openSeed(readKeyFile(join(setup.dir, 'keys', 'node.json')), PASSPHRASE);
  const nodeKey = Uint8Array.from(Buffer.from(setup.nodeKey, 'hex'));
  return setup.staff.map(
    ({ person, key }) =>
      signEntry(
        buildEntry({
          network,
          org: setup.dept.id,
          object: `operator:${toHex(key.publicKey)}`,
          kind: OPERATOR_APPOINTED,
          time,
          signer: nodeKey,
          role: ORG_ROLE,
          body: appointmentBody({
            operator: key.publicKey,
            name: person.name,
            roles: person.roles,
            licence: person.licence,
            idHash: person.idHash,
            validFrom: person.validFrom,
            validUntil: person.validUntil,
          }),
        }),
        nodeSeed,
      ).envelope,
  );
}
