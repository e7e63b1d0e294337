import { utf8 } from '../src/bytes.ts';
import { publicKeyFromSeed } from '../src/ed25519.ts';
import { buildEntry, type CborMap, type EntryDraft, type SignedEntry, signEntry } from '../src/entry.ts';
import { sha256 } from '../src/hash.ts';
import {
  type EncryptionKeyPair,
  encryptionKeyPair,
  type Rng,
  type SealRecipient,
  sealContext,
  sealFields,
} from '../src/sealed.ts';

/** A deterministic byte stream: SHA-256(label ‖ counter), so sealed bytes are reproducible. */
export function fixedRng(label: string): Rng {
  let counter = 0;
  let pool = new Uint8Array(0);
  return (length) => {
    while (pool.length < length) {
      const block = sha256(utf8(`${label} ${counter++}`));
      const next = new Uint8Array(pool.length + block.length);
      next.set(pool);
      next.set(block, pool.length);
      pool = next;
    }
    const out = pool.slice(0, length);
    pool = pool.slice(length);
    return out;
  };
}

export const network = sha256(utf8('sealed test genesis'));
export const operatorSeed = sha256(utf8('sealed test operator'));
export const nodeSeeds: Record<string, Uint8Array> = Object.fromEntries(
  ['contractor', 'supervision', 'utility', 'archive', 'lab'].map((org) => [org, sha256(utf8(`node ${org}`))]),
);

export const keys: Record<string, EncryptionKeyPair> = Object.fromEntries(
  ['contractor', 'supervision', 'utility', 'archive', 'lab'].map((org) => [
    org,
    encryptionKeyPair(sha256(utf8(`encryption ${org}`))),
  ]),
);

export const recipientOf = (org: string): SealRecipient => ({
  org,
  publicKey: (keys[org] as EncryptionKeyPair).publicKey,
});

/** As-built geometry and a national-ID hash: the restricted fields of the scenario. */
export const restrictedFields: CborMap = {
  asBuilt: {
    crs: 'CGCS2000',
    line: [
      [114.0579123, 22.5431234, -2.85],
      [114.0581456, 22.5433789, -2.91],
    ],
  },
  foremanIdHash: sha256(utf8('salt 440301199001011234')),
  note: 'SECRET-MARKER-7f3a: geometry under national mapping secrecy rules',
};

export function sealedDraft(
  recipients: readonly string[] = ['contractor', 'supervision', 'utility'],
  overrides: Partial<EntryDraft> = {},
  rng: Rng = fixedRng('sealed draft'),
): EntryDraft {
  const base: EntryDraft = {
    network,
    org: 'contractor',
    object: 'seg:SZ-WS000123-WS000124#1',
    kind: 'construction.as-built-survey',
    time: 1_778_558_400_000,
    signer: publicKeyFromSeed(operatorSeed),
    role: 'QI',
    body: { surveyor: 'Li Wei', pointCount: 2, method: 'RTK' },
    classification: 'restricted',
    ...overrides,
  };
  const sealed = sealFields(restrictedFields, recipients.map(recipientOf), sealContext(base), rng);
  return { ...base, sealed };
}

export function signedSealed(...args: Parameters<typeof sealedDraft>): SignedEntry {
  return signEntry(buildEntry(sealedDraft(...args)), operatorSeed);
}
