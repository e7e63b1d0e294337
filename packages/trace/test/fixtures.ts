/**
 * A small network and one pipe segment's history, built with core alone (entries signed with
 * `signEntry`, blocks cut by `MemoryLedger` with `cutBlock`, witnesses cosigning with `cosign`):
 * five orgs, their operators appointed on their own logs, and eight entries across four logs with
 * a concurrent branch, a citation of another object's entry and two attachments. Deterministic:
 * keys come from labels, times from a fixed start.
 */
import {
  buildEntry,
  type CborMap,
  type EntryRef,
  type GovernancePosition,
  publicKeyFromSeed,
  sha256,
  signEntry,
  utf8,
} from '@liuhen/core';
import {
  appointmentBody,
  creditCodeCheckCharacter,
  DEFAULT_PARAMETERS,
  encodeGenesis,
  encodeSignedAction,
  type Genesis,
  nationalIdHash,
  ORG_SET_PARTIES,
  type Party,
  proposeAction,
  signAction,
} from '@liuhen/governance';
import { assembleBundle, type Bundle, MemoryLedger } from '../src/index.ts';

export const seedOf = (label: string): Uint8Array => sha256(utf8(label));
export const keyOf = (label: string): Uint8Array => publicKeyFromSeed(seedOf(label));

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** 2024-05-06 09:00 in Shenzhen. */
export const T0 = Date.UTC(2024, 4, 6, 1, 0, 0);
export const OBJECT = 'SZ-WS000123-WS000124#1';

export const ORGS: readonly { id: string; parties: Party[]; code: string }[] = [
  { id: 'contractor', parties: ['contractor'], code: '91440300MA5F00001' },
  { id: 'design', parties: ['design'], code: '91440300MA5F00002' },
  { id: 'lab', parties: ['lab'], code: '91440300MA5F00003' },
  { id: 'owner', parties: ['owner'], code: '91440300MA5F00004' },
  { id: 'supervision', parties: ['supervision'], code: '91440300MA5F00005' },
];

/** Operators: label → org, name, roles. Their seed is seedOf(label). */
export const OPERATORS: Record<string, { org: string; name: string; roles: string[] }> = {
  qi: { org: 'contractor', name: '张三', roles: ['QI', 'TL'] },
  pm: { org: 'contractor', name: '王五', roles: ['PM'] },
  se: { org: 'supervision', name: '李四', roles: ['SE', 'CSE'] },
  des: { org: 'design', name: '赵六', roles: ['DES'] },
  own: { org: 'owner', name: '钱七', roles: ['OWN'] },
};

export function genesis(profile = 'pipe/1'): Genesis {
  return {
    version: 1,
    name: 'trace test network',
    profile,
    created: T0 - 90 * DAY,
    authorities: { keys: [keyOf('authority 1'), keyOf('authority 2'), keyOf('authority 3')], threshold: 2 },
    orgs: ORGS.map((o) => ({
      id: o.id,
      name: `${o.id} Co., Ltd.`,
      creditCode: o.code + creditCodeCheckCharacter(o.code),
      nodeKey: keyOf(`${o.id} node`),
      parties: o.parties,
      bootstrap: [],
    })),
    parameters: DEFAULT_PARAMETERS,
  };
}

export interface WriteOptions {
  readonly parents?: readonly Uint8Array[];
  readonly refs?: readonly EntryRef[];
  readonly attachments?: readonly Uint8Array[];
  readonly object?: string;
  /** When the block is cut, relative to the claimed time (default one minute later). */
  readonly loggedAfterMs?: number;
  /** Witnesses that cosign the block (default: every other org), two minutes after it is cut. */
  readonly witnesses?: readonly string[];
}

/** A network being written: a ledger plus helpers that sign, log and witness like real nodes. */
export class Network {
  readonly ledger: MemoryLedger;
  readonly genesisBytes: Uint8Array;
  /** The governance position blocks are cut at. */
  position: GovernancePosition;

  constructor(profile?: string) {
    this.genesisBytes = encodeGenesis(genesis(profile));
    this.ledger = new MemoryLedger(this.genesisBytes);
    this.position = { seq: 0, hash: this.ledger.network };
  }

  /**
   * The next governance action, signed by two of the three authorities; by default the lab also
   * inspects.
   */
  govern(
    time: number,
    change: { type: string; body: CborMap } = {
      type: ORG_SET_PARTIES,
      body: { org: 'lab', parties: ['lab', 'inspection'] },
    },
  ): void {
    const proposed = proposeAction({
      version: 1,
      network: this.network,
      seq: this.position.seq + 1,
      previous: this.position.hash,
      time,
      ...change,
    } as never);
    const signed = signAction(signAction(proposed, seedOf('authority 1')), seedOf('authority 3'));
    this.ledger.governanceActions.push(encodeSignedAction(signed));
    this.position = { seq: signed.action.seq, hash: signed.hash };
  }

  get network(): Uint8Array {
    return this.ledger.network;
  }

  /** Cuts one block of `envelopes` for `org` at `time` and has `witnesses` cosign it. */
  log(org: string, envelopes: Uint8Array[], time: number, witnesses?: readonly string[]): void {
    const header = this.ledger.append(org, envelopes, {
      seed: seedOf(`${org} node`),
      time,
      governance: this.position,
    });
    for (const w of witnesses ?? ORGS.map((o) => o.id).filter((id) => id !== org)) {
      this.ledger.cosign(org, w, seedOf(`${w} node`), Math.floor((header.time + 2 * 60_000) / 1000));
    }
  }

  /** Each org appoints its operators, in one block a month before the work. */
  appointAll(): void {
    for (const o of ORGS) {
      const envelopes = Object.entries(OPERATORS)
        .filter(([, op]) => op.org === o.id)
        .map(([label, op]) => this.appointment(o.id, label, op.name, op.roles, T0 - 30 * DAY));
      if (envelopes.length > 0) this.log(o.id, envelopes, T0 - 30 * DAY + 60_000);
    }
  }

  appointment(org: string, label: string, name: string, roles: string[], time: number): Uint8Array {
    return signEntry(
      buildEntry({
        network: this.network,
        org,
        object: `operator:${label}`,
        kind: 'org.operator-appointed',
        time,
        signer: keyOf(`${org} node`),
        role: 'ORG',
        body: appointmentBody({
          operator: keyOf(label),
          name,
          roles,
          licence: `LIC-${label.toUpperCase()}`,
          idHash: nationalIdHash(seedOf(`salt ${label}`), `44030119900101${label.length}234`),
          validFrom: T0 - 60 * DAY,
          validUntil: T0 + 5 * 365 * DAY,
        }),
      }),
      seedOf(`${org} node`),
    ).envelope;
  }

  /** An entry by operator `label` in its own block; returns its id. */
  write(
    label: string,
    role: string,
    kind: string,
    time: number,
    body: CborMap,
    options: WriteOptions = {},
  ): Uint8Array {
    const op = OPERATORS[label] as (typeof OPERATORS)[string];
    const signed = signEntry(
      buildEntry({
        network: this.network,
        org: op.org,
        object: options.object ?? OBJECT,
        kind,
        time,
        signer: keyOf(label),
        role,
        body,
        parents: options.parents ?? [],
        refs: options.refs ?? [],
        attachments: (options.attachments ?? []).map((data, i) => ({
          sha256: this.ledger.putAttachment(data),
          size: data.length,
          type: 'image/jpeg',
          name: `${kind}-${i + 1}.jpg`,
        })),
      }),
      seedOf(label),
    );
    this.log(op.org, [signed.envelope], time + (options.loggedAfterMs ?? 60_000), options.witnesses);
    return signed.id;
  }
}

export interface Segment {
  readonly net: Network;
  readonly ids: Record<string, Uint8Array>;
  bundle(): Promise<Bundle>;
}

/**
 * The segment's history: design → trench → pipe laid (citing a material batch) → joint J07 →
 * hidden works accepted with a photo; then, concurrently, the inspector's attest and the
 * closed-water test; then backfill over both.
 */
export function segment(
  options: { lateJoint?: boolean; governance?: boolean; profile?: string } = {},
): Segment {
  const net = new Network(options.profile);
  net.appointAll();
  if (options.governance) net.govern(T0 - 20 * DAY);
  const photo = (n: number) => utf8(`jpeg bytes of photo ${n}`);
  const ids: Record<string, Uint8Array> = {};
  ids.batch = net.write(
    'se',
    'SE',
    'material.batch-accepted',
    T0,
    { batch: 'B-2024-0117', dnMm: 600 },
    { object: 'batch:B-2024-0117' },
  );
  ids.design = net.write('des', 'DES', 'design.issued', T0 + HOUR, {
    dnMm: 600,
    material: 'HDPE',
    slopePermille: 3,
  });
  ids.trench = net.write(
    'qi',
    'QI',
    'construction.trench-excavated',
    T0 + 2 * DAY,
    { chainage: [0, 40], widthM: 1.6 },
    {
      parents: [ids.design],
      attachments: [photo(1)],
    },
  );
  ids.laid = net.write(
    'qi',
    'QI',
    'construction.pipe-laid',
    T0 + 3 * DAY,
    { chainage: [0, 40], batch: 'B-2024-0117' },
    {
      parents: [ids.trench],
      refs: [{ entry: ids.batch, rel: 'material' }],
    },
  );
  ids.joint = net.write(
    'qi',
    'QI',
    'construction.joint-made',
    T0 + 3 * DAY + HOUR,
    { joint: 'J07', gasketChecked: true },
    {
      parents: [ids.laid],
      ...(options.lateJoint ? { loggedAfterMs: 3 * DAY } : {}),
    },
  );
  ids.accepted = net.write(
    'se',
    'SE',
    'inspection.hidden-works-accepted',
    T0 + 4 * DAY,
    { scope: 'J07', passRate: 1 },
    {
      parents: [ids.joint],
      attachments: [photo(2)],
    },
  );
  ids.attest = net.write(
    'qi',
    'QI',
    'attest',
    T0 + 4 * DAY + HOUR,
    {},
    {
      parents: [ids.accepted],
      refs: [{ entry: ids.accepted, rel: 'attests' }],
    },
  );
  ids.test = net.write(
    'pm',
    'PM',
    'test.closed-water',
    T0 + 4 * DAY + 2 * HOUR,
    { headM: 2, leakage: 0.8, pass: true },
    {
      parents: [ids.accepted],
    },
  );
  ids.backfill = net.write(
    'qi',
    'QI',
    'construction.backfill-layer',
    T0 + 5 * DAY,
    { layer: 1, compactionPct: 95 },
    {
      parents: [ids.attest, ids.test],
    },
  );
  return { net, ids, bundle: () => assembleBundle(net.ledger, OBJECT, { attachments: true }) };
}
