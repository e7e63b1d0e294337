/**
 * The network genesis (DESIGN §3): who the authorities are, which orgs the network starts with,
 * and the limits every node applies. Its deterministic CBOR bytes are the network's root of trust:
 * the network id is their SHA-256 and is inside every signed structure, so decoding is strict —
 * a genesis that two nodes could read differently would split the network.
 */
import {
  type CborMap,
  type CborValue,
  decodeCanonical,
  encodeCanonical,
  ORG_ID,
  sha256,
  toHex,
} from '@liuhen/core';
import { isCreditCode } from './credit-code.ts';
import { FieldReader } from './fields.ts';
import { type NetworkParameters, parametersFromCbor } from './parameters.ts';

export const GENESIS_VERSION = 1;

/** The five responsible parties and the other departments that take part (profile `pipe/1`). */
export const PARTIES = [
  'owner',
  'survey',
  'design',
  'contractor',
  'supervision',
  'lab',
  'review',
  'qsa',
  'archive',
  'utility',
  'inspection',
] as const;
export type Party = (typeof PARTIES)[number];

export interface GenesisOrg {
  /** Log and origin name, `ORG_ID` pattern; unique in the network. */
  readonly id: string;
  /** Registered legal name. */
  readonly name: string;
  /** Unified social credit code (GB 32100), check character verified; unique in the network. */
  readonly creditCode: string;
  /** Ed25519 node key: signs the org's checkpoints and org.* entries; its libp2p identity. */
  readonly nodeKey: Uint8Array;
  readonly parties: readonly Party[];
  /** Multiaddrs where the org's node listens; may be empty. */
  readonly bootstrap: readonly string[];
}

export interface Genesis {
  readonly version: typeof GENESIS_VERSION;
  /** Human name of the network. */
  readonly name: string;
  /** Profile id and major version, e.g. `pipe/1`. */
  readonly profile: string;
  /** Creation time, ms since the Unix epoch. */
  readonly created: number;
  /** Governance actions need `threshold` signatures by distinct `keys`. */
  readonly authorities: { readonly keys: readonly Uint8Array[]; readonly threshold: number };
  readonly orgs: readonly GenesisOrg[];
  readonly parameters: NetworkParameters;
}

export const MAX_AUTHORITIES = 64;
export const MAX_ORGS = 1_024;
export const MAX_BOOTSTRAP = 16;
/** Genesis bytes larger than this are refused before parsing. */
export const MAX_GENESIS_BYTES = 1 << 20;

const PROFILE = /^[a-z][a-z0-9-]{0,31}\/[1-9][0-9]{0,5}$/;
const CREDIT_CODE = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;
// A multiaddr as text: one or more "/component" groups of printable ASCII. Full parsing is the
// network layer's; here it only has to be unambiguous text without spaces.
const MULTIADDR = /^(\/[!-.0-~]+)+$/;

const read = new FieldReader('GENESIS_INVALID');

/** An org's party roles: 1–11 distinct values of `PARTIES`. */
export function partiesFromCbor(value: CborValue | undefined, field: string, reader: FieldReader): Party[] {
  return reader.uniqueTexts(value, field, 1, PARTIES.length, (v, f) => {
    const party = reader.text(v, f, 1, 32);
    if (!(PARTIES as readonly string[]).includes(party))
      reader.fail(f, `expected one of ${PARTIES.join(', ')}`);
    return party;
  }) as Party[];
}

/**
 * An org map (genesis `orgs[i]`, and the body of the governance action `org.add`). Its own fields
 * only: uniqueness across orgs is the caller's.
 */
export function orgFromCbor(value: CborValue | undefined, field: string, reader: FieldReader): GenesisOrg {
  const map = reader.map(value, field, ['id', 'name', 'creditCode', 'nodeKey', 'parties', 'bootstrap']);
  const id = reader.text(map.id, `${field}.id`, 1, 64, ORG_ID);
  const name = reader.text(map.name, `${field}.name`, 1, 256);
  const creditCode = reader.text(map.creditCode, `${field}.creditCode`, 18, 18, CREDIT_CODE);
  if (!isCreditCode(creditCode)) reader.fail(`${field}.creditCode`, 'wrong check character');
  return {
    id,
    name,
    creditCode,
    nodeKey: reader.publicKey(map.nodeKey, `${field}.nodeKey`),
    parties: partiesFromCbor(map.parties, `${field}.parties`, reader),
    bootstrap: reader.uniqueTexts(map.bootstrap, `${field}.bootstrap`, 0, MAX_BOOTSTRAP, (v, f) =>
      reader.text(v, f, 2, 512, MULTIADDR),
    ),
  };
}

export function orgToCbor(o: GenesisOrg): CborMap {
  return {
    id: o.id,
    name: o.name,
    creditCode: o.creditCode,
    nodeKey: o.nodeKey,
    parties: [...o.parties],
    bootstrap: [...o.bootstrap],
  };
}

/** Fails on the second occurrence of a value, naming where it occurs. */
function requireUnique(values: readonly string[], field: (i: number) => string): void {
  const first = new Map<string, number>();
  values.forEach((value, i) => {
    const earlier = first.get(value);
    if (earlier !== undefined) read.fail(field(i), `same as ${field(earlier)}`);
    first.set(value, i);
  });
}

/** Checks a decoded CBOR value (or the JSON rendering, keys already bytes) against the schema. */
export function genesisFromCbor(value: CborValue): Genesis {
  const map = read.map(value, 'genesis', [
    'version',
    'name',
    'profile',
    'created',
    'authorities',
    'orgs',
    'parameters',
  ]);
  if (map.version !== GENESIS_VERSION) read.fail('version', `expected ${GENESIS_VERSION}`);
  const name = read.text(map.name, 'name', 1, 128);
  const profile = read.text(map.profile, 'profile', 3, 64, PROFILE);
  const created = read.uint(map.created, 'created');
  const authorities = read.map(map.authorities, 'authorities', ['keys', 'threshold']);
  const keys = read
    .list(authorities.keys, 'authorities.keys', 1, MAX_AUTHORITIES)
    .map((k, i) => read.publicKey(k, `authorities.keys[${i}]`));
  const threshold = read.uint(authorities.threshold, 'authorities.threshold', 1, keys.length);
  const orgs = read.list(map.orgs, 'orgs', 1, MAX_ORGS).map((o, i) => orgFromCbor(o, `orgs[${i}]`, read));
  requireUnique(
    orgs.map((o) => o.id),
    (i) => `orgs[${i}].id`,
  );
  requireUnique(
    orgs.map((o) => o.creditCode),
    (i) => `orgs[${i}].creditCode`,
  );
  // Authority and node keys are one namespace: a key that both governs and runs a node would let
  // one department act as the regulator, and one node key for two orgs would merge their identity.
  const keyFields = [
    ...keys.map((_, i) => `authorities.keys[${i}]`),
    ...orgs.map((_, i) => `orgs[${i}].nodeKey`),
  ];
  requireUnique([...keys, ...orgs.map((o) => o.nodeKey)].map(toHex), (i) => keyFields[i] as string);
  return {
    version: GENESIS_VERSION,
    name,
    profile,
    created,
    authorities: { keys, threshold },
    orgs,
    parameters: parametersFromCbor(map.parameters, read),
  };
}

export function genesisToCbor(genesis: Genesis): CborMap {
  return {
    version: genesis.version,
    name: genesis.name,
    profile: genesis.profile,
    created: genesis.created,
    authorities: { keys: [...genesis.authorities.keys], threshold: genesis.authorities.threshold },
    orgs: genesis.orgs.map(orgToCbor),
    parameters: { ...genesis.parameters },
  };
}

/** The genesis bytes. Refuses (GENESIS_INVALID) anything `decodeGenesis` would refuse. */
export function encodeGenesis(genesis: Genesis): Uint8Array {
  const map = genesisToCbor(genesis);
  genesisFromCbor(map);
  return encodeCanonical(map);
}

/** Strict: non-canonical bytes fail with a CBOR_* code, a bad field with GENESIS_INVALID. */
export function decodeGenesis(bytes: Uint8Array): Genesis {
  return genesisFromCbor(decodeCanonical(bytes, { maxBytes: MAX_GENESIS_BYTES }));
}

/** Network id = SHA-256 of the exact genesis bytes (never of a re-encoding). */
export function networkId(genesisBytes: Uint8Array): Uint8Array {
  return sha256(genesisBytes);
}
