/**
 * Failures of the network layer, each with a stable code (same convention as `LiuhenError` in
 * @liuhen/core; these codes live here until the node layer maps them onto its own).
 */
export const NET_ERROR_CODES = {
  NET_KEY_INVALID: 'a node key seed or public key is not 32 bytes, or a peer id is not Ed25519',
  NET_PSK_INVALID: 'the swarm key file is not a /key/swarm/psk/1.0.0/ base16 key of 32 bytes',
  NET_ADDRESS_INVALID: 'a bootstrap multiaddr is malformed or lacks its /p2p/<peer id>',
  NET_FRAME_TOO_LARGE: 'a frame exceeds the permitted size',
  NET_FRAME_MALFORMED: 'a frame has an unknown type or is out of place',
  NET_STREAM_FAILED: 'the stream was reset or ended before the response was complete',
  NET_DIAL_FAILED: 'the peer could not be reached, refused the connection, or does not speak the protocol',
  NET_TIMEOUT: 'the request did not complete in time',
  NET_BUSY: 'the peer has too many requests of this protocol in flight',
  NET_PEER_BUSY:
    'the peer is already answering as many requests of this protocol from this node as it answers one peer at once',
  NET_REMOTE_ERROR: 'the peer answered the request with an error',
  NET_MESSAGE_MALFORMED:
    'a replication message is not the deterministic CBOR of its schema, or exceeds its limits',
  NET_SYNC_INVALID: 'a sync response does not match its request or carries a block that does not verify',
  NET_ORG_UNKNOWN: 'the org is not a member of the network',
  NET_NETWORK_MISMATCH: 'a block, checkpoint or fraud proof names another network',
  NET_BLOCK_INVALID: 'a block or header is not one its org may sign',
  NET_ORG_FROZEN: "the org's log is frozen by a fraud proof",
  NET_BLOB_NOT_FOUND: 'the peer does not hold the blob',
  NET_BLOB_INVALID: 'a blob response does not hash to the SHA-256 that was asked for',
  NET_BLOB_TOO_LARGE: 'a blob is larger than this node accepts',
} as const;

export type NetErrorCode = keyof typeof NET_ERROR_CODES;

export class NetError extends Error {
  override readonly name = 'NetError';
  readonly code: NetErrorCode;
  /** The specific part of the message, without the code's fixed description. */
  readonly detail: string | undefined;
  /**
   * True when the peer reported this code in an ERROR frame (it judged our request), false when
   * this side detected it (it judged the peer's data). Only the latter can blame the peer.
   */
  readonly remote: boolean;

  constructor(code: NetErrorCode, detail?: string, options?: { cause?: unknown; remote?: boolean }) {
    super(
      detail === undefined ? NET_ERROR_CODES[code] : `${NET_ERROR_CODES[code]}: ${detail}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.detail = detail;
    this.remote = options?.remote === true;
  }
}

export function isNetError(value: unknown, code?: NetErrorCode): value is NetError {
  return value instanceof NetError && (code === undefined || value.code === code);
}
