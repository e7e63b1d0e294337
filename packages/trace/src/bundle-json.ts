/**
 * The bundle's JSON rendering (docs/protocol.md §14.3): the same evidence as the binary form, laid
 * out for an independent checker. Checkpoint notes are the exact signed-note text, leaves are the
 * exact envelope bytes (base64), proof hashes are hex, and next to them stand derived values a
 * checker would otherwise have to compute with our code — the network id, each org's verifier keys
 * in C2SP form, checkpoint sizes and roots, entry ids and leaf hashes. A reader recomputes the
 * derived values and refuses a rendering whose values differ (naming the first such field), so
 * the JSON form is as strict as the binary one.
 */
import {
  checkpointOrigin,
  cosignatureVerifier,
  decodeEnvelope,
  entryId,
  fromBase64,
  fromHex,
  type JsonValue,
  leafHash,
  orgCheckpointVerifier,
  parseBlockHeader,
  toBase64,
  toHex,
  verifierKeyString,
} from '@liuhen/core';
import {
  decodeGenesis,
  decodeSignedAction,
  GovernanceState,
  genesisToJson,
  networkId,
} from '@liuhen/governance';
import { BUNDLE_TYPE, BUNDLE_VERSION, type Bundle } from './bundle.ts';
import { decodeBundle, encodeBundle } from './bundle-cbor.ts';
import { diffStates } from './diff.ts';
import { TraceError } from './errors.ts';

/** Node keys of every org, of every era the governance evidence proves; undefined without a genesis. */
function keyring(bundle: Bundle): GovernanceState | undefined {
  let state: GovernanceState;
  try {
    state = GovernanceState.fromGenesis(decodeGenesis(bundle.genesis), networkId(bundle.genesis));
  } catch {
    return undefined;
  }
  for (const bytes of bundle.governance) {
    try {
      state.apply(decodeSignedAction(bytes));
    } catch {
      break;
    }
  }
  return state;
}

function tryOr<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

export function bundleToJson(bundle: Bundle): JsonValue {
  const network = networkId(bundle.genesis);
  const keys = keyring(bundle);
  const vkeys = (org: string, make: (key: Uint8Array) => string) =>
    (keys?.nodeKeysOf(org) ?? []).map((r) => tryOr(() => make(r.key), ''));
  const orgs = keys?.orgIds() ?? [];
  return {
    type: BUNDLE_TYPE,
    version: BUNDLE_VERSION,
    object: bundle.object,
    network: toHex(network),
    genesis: toBase64(bundle.genesis),
    genesisJson: keys === undefined ? null : (JSON.parse(genesisToJson(keys.genesis)) as JsonValue),
    governance: bundle.governance.map(toBase64),
    witnessKeys: Object.fromEntries(
      orgs.map((org) => [org, vkeys(org, (key) => verifierKeyString(cosignatureVerifier(org, key)))]),
    ),
    logs: bundle.logs.map((log) => ({
      org: log.org,
      origin: checkpointOrigin(network, log.org),
      verifierKeys: vkeys(log.org, (key) => verifierKeyString(orgCheckpointVerifier(network, log.org, key))),
      checkpoints: log.checkpoints.map((c) => {
        const header = tryOr(() => parseBlockHeader(c.note), undefined);
        return {
          note: c.note,
          size: header?.size ?? null,
          root: header === undefined ? null : toHex(header.root),
          consistency: c.consistency.map(toHex),
        };
      }),
      entries: log.entries.map((e) => ({
        index: e.index,
        id: tryOr(() => toHex(entryId(decodeEnvelope(e.envelope, 1 << 20).entryBytes)), null),
        leaf: toBase64(e.envelope),
        leafHash: toHex(leafHash(e.envelope)),
        checkpoint: e.checkpoint,
        proof: e.proof.map(toHex),
      })),
    })),
    attachments: bundle.attachments.map((a) => ({ sha256: toHex(a.sha256), data: toBase64(a.data) })),
  };
}

/** Two-space indented, with a final newline: the file form. */
export function formatBundleJson(bundle: Bundle): string {
  return `${JSON.stringify(bundleToJson(bundle), null, 2)}\n`;
}

type Json = { [key: string]: JsonValue };

function field<T>(path: string, read: () => T): T {
  try {
    return read();
  } catch (cause) {
    throw new TraceError('BUNDLE_MALFORMED', `${path}: ${(cause as Error).message}`, { cause });
  }
}

const asObject = (v: JsonValue | undefined, path: string): Json => {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new TraceError('BUNDLE_MALFORMED', `${path}: expected an object`);
  return v;
};
const asArray = (v: JsonValue | undefined, path: string): JsonValue[] => {
  if (!Array.isArray(v)) throw new TraceError('BUNDLE_MALFORMED', `${path}: expected an array`);
  return v;
};
const asText = (v: JsonValue | undefined, path: string): string => {
  if (typeof v !== 'string') throw new TraceError('BUNDLE_MALFORMED', `${path}: expected text`);
  return v;
};
const base64 = (v: JsonValue | undefined, path: string) => field(path, () => fromBase64(asText(v, path)));
const hex = (v: JsonValue | undefined, path: string) => {
  const text = asText(v, path);
  if (!/^([0-9a-f]{2})*$/.test(text))
    throw new TraceError('BUNDLE_MALFORMED', `${path}: expected lowercase hex`);
  return fromHex(text);
};

/**
 * Reads the JSON rendering. The normative fields are read into a bundle, which then passes the
 * binary decoder's checks (by a round trip through it); the derived fields must equal what the
 * bundle gives. Every failure is a TraceError.
 */
export function bundleFromJson(text: string): Bundle {
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch (cause) {
    throw new TraceError('BUNDLE_MALFORMED', `not JSON: ${(cause as Error).message}`, { cause });
  }
  const top = asObject(value, 'bundle');
  if (top.type !== BUNDLE_TYPE)
    throw new TraceError('BUNDLE_MALFORMED', `bundle.type: expected "${BUNDLE_TYPE}"`);
  if (top.version !== BUNDLE_VERSION)
    throw new TraceError('BUNDLE_VERSION', `version ${String(top.version)}`);
  const draft: Bundle = {
    version: BUNDLE_VERSION,
    object: asText(top.object, 'object'),
    genesis: base64(top.genesis, 'genesis'),
    governance: asArray(top.governance, 'governance').map((g, i) => base64(g, `governance[${i}]`)),
    logs: asArray(top.logs, 'logs').map((l, i) => {
      const log = asObject(l, `logs[${i}]`);
      return {
        org: asText(log.org, `logs[${i}].org`),
        checkpoints: asArray(log.checkpoints, `logs[${i}].checkpoints`).map((c, j) => {
          const p = `logs[${i}].checkpoints[${j}]`;
          const cp = asObject(c, p);
          return {
            note: asText(cp.note, `${p}.note`),
            consistency: asArray(cp.consistency, `${p}.consistency`).map((h, k) =>
              hex(h, `${p}.consistency[${k}]`),
            ),
          };
        }),
        entries: asArray(log.entries, `logs[${i}].entries`).map((e, j) => {
          const p = `logs[${i}].entries[${j}]`;
          const entry = asObject(e, p);
          return {
            index: entry.index as number,
            envelope: base64(entry.leaf, `${p}.leaf`),
            checkpoint: entry.checkpoint as number,
            proof: asArray(entry.proof, `${p}.proof`).map((h, k) => hex(h, `${p}.proof[${k}]`)),
          };
        }),
      };
    }),
    attachments: asArray(top.attachments, 'attachments').map((a, i) => {
      const at = asObject(a, `attachments[${i}]`);
      return {
        sha256: hex(at.sha256, `attachments[${i}].sha256`),
        data: base64(at.data, `attachments[${i}].data`),
      };
    }),
  };
  // Numbers, limits, order and sizes: exactly the binary form's rules.
  const bundle = decodeBundle(field('bundle', () => encodeBundle(draft)));
  const difference = diffStates(bundleToJson(bundle), value)[0];
  if (difference !== undefined) {
    throw new TraceError(
      'BUNDLE_MALFORMED',
      `${difference.path || 'bundle'}: does not match the evidence it renders`,
    );
  }
  return bundle;
}
