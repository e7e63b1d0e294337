/**
 * Bytes on a request/response stream as a hostile peer writes them: frames built here by hand
 * (not by frame-stream.ts, whose checks they are meant to test), and the daemon's answer reduced
 * to one word.
 */
import { concatBytes } from '../../packages/core/src/index.ts';
import { FrameStream, type Host, type PeerId } from '../../packages/net/src/index.ts';

export function varint(value: number): Uint8Array {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}

/** A frame as frame-stream.ts writes it: varint(length) ‖ type ‖ payload (type 0x00: DATA). */
export function frame(type: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  return concatBytes(varint(payload.byteLength + 1), Uint8Array.of(type), payload);
}

/**
 * Opens `protocol` on `peer`, writes `chunks` as they are, half-closes, and reports the answer:
 * `error:<code>` (an ERROR frame), `end`, `data`, or `closed` (reset or ended without a frame).
 */
export async function exchange(
  host: Host,
  peer: PeerId,
  protocol: string,
  chunks: Uint8Array[],
  options: { timeoutMs: number; maxFrameBytes?: number },
): Promise<string> {
  const stream = await host.node.dialProtocol(peer, protocol);
  const reader = new FrameStream(stream, options.maxFrameBytes);
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    for (const chunk of chunks) if (!stream.send(chunk)) await stream.onDrain({ signal });
    await stream.close({ signal });
  } catch {
    // The daemon may hang up while we still write (an oversized frame): judge by what it sent.
  }
  try {
    const reply = await reader.read(signal);
    return reply.type === 'error' ? `error:${reply.code}` : reply.type;
  } catch {
    return 'closed';
  } finally {
    stream.abort(new Error('done'));
  }
}
