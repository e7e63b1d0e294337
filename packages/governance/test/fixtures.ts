import {
  buildEntry,
  type CborMap,
  type Entry,
  LiuhenError,
  publicKeyFromSeed,
  sha256,
  utf8,
} from '@liuhen/core';
import {
  type Action,
  type ActionChange,
  type ActionHeader,
  type Appointment,
  creditCodeCheckCharacter,
  DEFAULT_PARAMETERS,
  encodeGenesis,
  type Genesis,
  type GenesisOrg,
  GovernanceError,
  GovernanceState,
  nationalIdHash,
  ORG_ROLE,
  proposeAction,
  type SignedAction,
  signAction,
} from '../src/index.ts';

/** Deterministic seeds from labels, so failures reproduce. */
export function seedOf(label: string): Uint8Array {
  return sha256(utf8(label));
}

export function keyOf(label: string): Uint8Array {
  return publicKeyFromSeed(seedOf(label));
}

export function creditCode(first17: string): string {
  return first17 + creditCodeCheckCharacter(first17);
}

/** The encoding of the identity point: the simplest small-order key. */
export const SMALL_ORDER_KEY = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0));

export function sampleGenesis(): Genesis {
  return {
    version: 1,
    name: '深圳市排水管网 test network',
    profile: 'pipe/1',
    created: 1_778_569_200_000,
    authorities: { keys: [keyOf('authority 1'), keyOf('authority 2'), keyOf('authority 3')], threshold: 2 },
    orgs: [
      {
        id: 'contractor',
        name: '深圳市某建设工程有限公司',
        creditCode: creditCode('91440300MA5F00001'),
        nodeKey: keyOf('contractor node'),
        parties: ['contractor'],
        bootstrap: ['/dns4/contractor.example/tcp/4001'],
      },
      {
        id: 'supervision',
        name: '深圳市某工程监理有限公司',
        creditCode: creditCode('91440300MA5F00002'),
        nodeKey: keyOf('supervision node'),
        parties: ['supervision', 'lab'],
        bootstrap: [],
      },
    ],
    parameters: DEFAULT_PARAMETERS,
  };
}

export const NETWORK = sha256(utf8('governance test network'));

/** An org act (kind org.*) signed by the org node key as role ORG. */
export function orgAct(org: string, kind: string, body: CborMap, nodeKey = keyOf(`${org} node`)): Entry {
  return buildEntry({
    network: NETWORK,
    org,
    object: `org:${org}`,
    kind,
    time: 1_778_569_200_000,
    signer: nodeKey,
    role: ORG_ROLE,
    body,
  });
}

/** Expects `fn` to throw a LiuhenError and returns its code and message. */
export function failure(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    if (code === undefined) throw error;
    return { code, message };
  }
  throw new Error('expected a failure');
}

/** Zhang San, a contractor's QC inspector and technical lead, valid 2023-11 to 2030-03. */
export function appointment(overrides: Partial<Appointment> = {}): Appointment {
  return {
    operator: keyOf('Zhang San phone'),
    name: '张三',
    roles: ['QI', 'TL'],
    licence: '粤建安C(2021)0012345',
    idHash: nationalIdHash(seedOf('salt of Zhang San'), '440301199001011234'),
    validFrom: 1_700_000_000_000,
    validUntil: 1_900_000_000_000,
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------
// The governance log

/** The three authorities of `sampleGenesis` (threshold 2), by number. */
export function authoritySeed(n: number): Uint8Array {
  return seedOf(`authority ${n}`);
}

/** The sample genesis state, with its real network id. */
export function sampleState(): GovernanceState {
  return GovernanceState.fromGenesisBytes(encodeGenesis(sampleGenesis()));
}

/** The next action of `state`, one minute after the previous one, unsigned. */
export function propose(state: GovernanceState, change: ActionChange, overrides: Partial<ActionHeader> = {}) {
  const previousTime = state.seq === 0 ? state.genesis.created : state.action(state.seq).action.time;
  return proposeAction({
    version: 1,
    network: state.network,
    seq: state.seq + 1,
    previous: state.head.hash,
    time: previousTime + 60_000,
    ...change,
    ...overrides,
  } as Action);
}

/** `signed` with the signatures of the seeds, in turn. */
export function signBy(signed: SignedAction, seeds: readonly Uint8Array[]): SignedAction {
  return seeds.reduce(signAction, signed);
}

/** Proposes, signs with authorities 1 and 2 (or `seeds`), and applies. */
export function enact(
  state: GovernanceState,
  change: ActionChange,
  seeds: readonly Uint8Array[] = [authoritySeed(1), authoritySeed(2)],
): SignedAction {
  const signed = signBy(propose(state, change), seeds);
  state.apply(signed);
  return signed;
}

/** An org that may join: a lab with its own node key. */
export function labOrg(overrides: Partial<GenesisOrg> = {}): GenesisOrg {
  return {
    id: 'lab',
    name: '深圳市某检测有限公司',
    creditCode: creditCode('91440300MA5F00003'),
    nodeKey: keyOf('lab node'),
    parties: ['lab'],
    bootstrap: ['/dns4/lab.example/tcp/4001'],
    ...overrides,
  };
}

/** True for the two typed error classes of the system. */
export function isTyped(error: unknown): boolean {
  return error instanceof LiuhenError || error instanceof GovernanceError;
}
