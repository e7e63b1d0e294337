/**
 * The genesis as JSON, for the people who review and sign off a network: the same fields and
 * names as the CBOR map, with the two kinds of key as 64 lowercase hex digits. It is only a view:
 * the network id is the hash of the CBOR bytes, never of this text.
 */
import { type CborMap, type CborValue, fromHex, isCborMap, LiuhenError, toHex } from '@liuhen/core';
import { type Genesis, genesisFromCbor, genesisToCbor } from './genesis.ts';

const HEX_KEY = /^[0-9a-f]{64}$/;

function keyFromHex(value: CborValue, field: string): Uint8Array {
  if (typeof value !== 'string' || !HEX_KEY.test(value)) {
    throw new LiuhenError('GENESIS_INVALID', `${field}: expected 64 lowercase hex digits`);
  }
  return fromHex(value);
}

/** Pretty-printed (two-space indent, trailing newline), keys in the order of the CBOR schema. */
export function genesisToJson(genesis: Genesis): string {
  const map = genesisToCbor(genesis);
  genesisFromCbor(map);
  const json = {
    ...map,
    authorities: { keys: genesis.authorities.keys.map(toHex), threshold: genesis.authorities.threshold },
    orgs: genesis.orgs.map((o, i) => ({ ...(map.orgs as CborMap[])[i], nodeKey: toHex(o.nodeKey) })),
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

/**
 * Reads the rendering of `genesisToJson`, with the same checks as `decodeGenesis`. Whitespace and
 * key order are free; a key given twice is not detectable (JSON.parse keeps the last).
 */
export function genesisFromJson(text: string): Genesis {
  let value: CborValue;
  try {
    value = JSON.parse(text) as CborValue;
  } catch (error) {
    throw new LiuhenError('GENESIS_INVALID', `not JSON: ${(error as Error).message}`, { cause: error });
  }
  // Only the key positions change representation; anything of the wrong shape is left for the
  // schema check, which names it.
  if (isCborMap(value)) {
    const { authorities, orgs } = value;
    if (isCborMap(authorities) && Array.isArray(authorities.keys)) {
      value.authorities = {
        ...authorities,
        keys: authorities.keys.map((k, i) => keyFromHex(k, `authorities.keys[${i}]`)),
      };
    }
    if (Array.isArray(orgs)) {
      value.orgs = orgs.map((o, i) =>
        isCborMap(o) && o.nodeKey !== undefined
          ? { ...o, nodeKey: keyFromHex(o.nodeKey, `orgs[${i}].nodeKey`) }
          : o,
      );
    }
  }
  return genesisFromCbor(value);
}
