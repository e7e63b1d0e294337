/**
 * Cosignature anti-entropy (docs/protocol.md §12.8): cosignatures reach a node by gossip, with the
 * blocks it syncs, and with each org's head on every heads exchange. One made while the node was
 * down or cut off, of a block it already held and that is no longer the head, would reach it by
 * none of these. The sweep finds such gaps and fetches them, with bounded work per round:
 *
 * - witnesses cosign an org's latest checkpoint on a schedule, not every block (cosign-schedule.ts),
 *   and a cosignature of size N covers every entry below N: a witness *covers* a held height when
 *   this node holds its cosignature of the held checkpoint at that height or at a higher one;
 * - per org, a cursor walks the held log downwards from the head, `heightsPerRound` heights per
 *   round, and wraps to the head after height 1, so every held checkpoint is examined again and
 *   again; what it learnt above (the witnesses covering) it carries down within one turn;
 * - a run of at most 256 heights where some expected witness (every known witness but the org
 *   itself) covers nothing is asked for, naming the witnesses lacking, from the connected peers in
 *   turn until none lacks, at most `requestsPerRound` requests a round, the orgs taking turns to go
 *   first (`/liuhen/cosignatures/1`);
 * - the answer is the responder's checkpoints of that range with the cosignatures it holds by
 *   those witnesses (a witness that never cosigned costs an empty answer, not a transfer).
 *   A checkpoint that is not the one held at its height is skipped (forks are the heads and sync
 *   protocols' business); every cosignature line is verified under its witness's key before it
 *   is stored, and a forged one costs the peer its score.
 */
import type { PeerId } from '@libp2p/interface';
import { type BlockHeader, DEFAULT_MAX_SIGNATURES, withSignatures } from '@liuhen/core';
import { NetError } from '../errors.ts';
import { type RequestContext, request, serveRequests } from '../frames.ts';
import type { Host } from '../host.ts';
import {
  COSIGNATURES_PROTOCOL,
  type CosignaturesRequest,
  decodeCosignaturesRequest,
  decodeCosigned,
  encodeCosignaturesRequest,
  encodeCosigned,
  MAX_COSIGNATURE_HEIGHTS,
  MAX_MISSING_WITNESSES,
  MAX_SYNC_FRAME_BYTES,
} from './messages.ts';
import type { CosignatureRecord, ReplicaStore } from './replica-store.ts';

export interface CosignatureSweepOptions {
  readonly host: Host;
  readonly store: ReplicaStore;
  /** The orgs whose logs are swept. */
  readonly orgs: () => Iterable<string>;
  /** The witnesses expected to cosign `org`'s checkpoints. */
  readonly expectedWitnesses: (org: string) => readonly string[];
  /**
   * Verifies the cosignature lines on a header whose checkpoint this node holds and stores the
   * valid ones; returns how many did not verify.
   */
  readonly take: (header: BlockHeader) => Promise<number>;
  /** Called with an error detected on this side that blames `peer`. */
  readonly misbehaved: (peer: PeerId, error: unknown) => void;
  /** Idle limit of one exchange, ms. */
  readonly timeoutMs: number;
  /** Held heights examined per org and round (default 1 024). */
  readonly heightsPerRound?: number;
  /** Requests per round, all orgs and peers together (default 16). */
  readonly requestsPerRound?: number;
  readonly signal: AbortSignal;
}

/** Where the sweep of one org's log stands. */
interface Cursor {
  /** The next height to examine; the turn starts again at the head below 1. */
  next: number;
  /** Witnesses holding a cosignature of a held checkpoint above `next`, as seen in this turn. */
  covering: Set<string>;
}

export class CosignatureSweep {
  readonly #options: CosignatureSweepOptions;
  readonly #heightsPerRound: number;
  readonly #requestsPerRound: number;
  #requests = 0;
  #rounds = 0;
  readonly #cursors = new Map<string, Cursor>();
  #running = false;

  constructor(options: CosignatureSweepOptions) {
    this.#options = options;
    this.#heightsPerRound = options.heightsPerRound ?? 1_024;
    this.#requestsPerRound = options.requestsPerRound ?? 16;
  }

  serve(onMisbehaviour: (peer: PeerId, error: NetError) => void): Promise<void> {
    return serveRequests(
      this.#options.host.node,
      COSIGNATURES_PROTOCOL,
      (body, context) => this.#serve(body, context),
      { maxFrameBytes: MAX_SYNC_FRAME_BYTES, timeoutMs: this.#options.timeoutMs, onMisbehaviour },
    );
  }

  async *#serve(body: Uint8Array, context: RequestContext): AsyncGenerator<Uint8Array> {
    let asked: ReturnType<typeof decodeCosignaturesRequest>;
    try {
      asked = decodeCosignaturesRequest(body);
    } catch (error) {
      this.#options.misbehaved(context.peer, error);
      throw error;
    }
    const { store } = this.#options;
    const wanted = new Set(asked.missing);
    for (let height = asked.fromHeight; height <= asked.toHeight; height++) {
      const header = await store.headerAt(asked.org, height);
      if (header === undefined) return;
      const records = (await store.cosignaturesOf(asked.org, header.text)).filter((r) =>
        wanted.has(r.witness),
      );
      if (records.length > 0) yield encodeCosigned(withEarliest(header, records));
    }
  }

  /** One round: examines the next heights of every org's log, fetching what is missing from `peers`. */
  async round(peers: readonly PeerId[]): Promise<void> {
    if (this.#running || peers.length === 0) return;
    this.#running = true;
    this.#requests = 0;
    try {
      // The request budget is shared: each round another org goes first, so none starves.
      const orgs = [...this.#options.orgs()];
      const first = orgs.length === 0 ? 0 : this.#rounds++ % orgs.length;
      for (const org of [...orgs.slice(first), ...orgs.slice(0, first)]) {
        if (this.#options.signal.aborted) return;
        await this.#sweep(org, peers);
      }
    } finally {
      this.#running = false;
    }
  }

  async #sweep(org: string, peers: readonly PeerId[]): Promise<void> {
    const head = (await this.#options.store.logState(org)).header?.height ?? 0;
    if (head === 0) return;
    let cursor = this.#cursors.get(org);
    if (cursor === undefined || cursor.next < 1 || cursor.next > head) {
      cursor = { next: head, covering: new Set() };
      this.#cursors.set(org, cursor);
    }
    const end = Math.max(1, cursor.next - this.#heightsPerRound + 1);
    for (let to = cursor.next; to >= end; to -= MAX_COSIGNATURE_HEIGHTS) {
      const from = Math.max(end, to - MAX_COSIGNATURE_HEIGHTS + 1);
      const above = cursor.covering;
      let gaps = await this.#uncovered(org, from, to, above);
      for (const peer of peers) {
        if (gaps.heights.length === 0 || this.#options.signal.aborted) break;
        if (this.#requests++ >= this.#requestsPerRound) break;
        try {
          await this.#fetch(peer, {
            org,
            fromHeight: gaps.heights.at(-1) as number,
            toHeight: gaps.heights[0] as number,
            missing: gaps.witnesses,
          });
        } catch (error) {
          this.#options.misbehaved(peer, error);
        }
        gaps = await this.#uncovered(org, from, to, above);
      }
      cursor.covering = gaps.covering;
      cursor.next = from - 1;
    }
  }

  /**
   * Held heights in `from … to`, descending, that some expected witness does not cover (no held
   * cosignature of it over the held checkpoint at that height or above: `above` are those covering
   * everything above `to`); those witnesses (at most MAX_MISSING_WITNESSES, ascending); and the
   * witnesses covering `from`.
   */
  async #uncovered(
    org: string,
    from: number,
    to: number,
    above: ReadonlySet<string>,
  ): Promise<{ heights: number[]; witnesses: string[]; covering: Set<string> }> {
    const { store } = this.#options;
    const expected = this.#options.expectedWitnesses(org);
    const heights: number[] = [];
    const witnesses = new Set<string>();
    const covering = new Set(above);
    for (let height = to; height >= from; height--) {
      const header = await store.headerAt(org, height);
      if (header === undefined) continue;
      for (const r of await store.cosignaturesOf(org, header.text)) covering.add(r.witness);
      const lacking = expected.filter((w) => !covering.has(w));
      if (lacking.length === 0) continue;
      heights.push(height);
      for (const w of lacking) witnesses.add(w);
    }
    return { heights, witnesses: [...witnesses].sort().slice(0, MAX_MISSING_WITNESSES), covering };
  }

  async #fetch(peer: PeerId, asked: CosignaturesRequest): Promise<void> {
    const { host, store } = this.#options;
    const { org, fromHeight, toHeight } = asked;
    const frames = request(host.node, peer, COSIGNATURES_PROTOCOL, encodeCosignaturesRequest(asked), {
      timeoutMs: this.#options.timeoutMs,
      maxFrameBytes: MAX_SYNC_FRAME_BYTES,
      signal: this.#options.signal,
    });
    let count = 0;
    let last = fromHeight - 1;
    for await (const bytes of frames) {
      const header = decodeCosigned(bytes);
      if (
        ++count > toHeight - fromHeight + 1 ||
        header.org !== org ||
        header.height <= last ||
        header.height > toHeight
      )
        throw new NetError('NET_MESSAGE_MALFORMED', 'cosigned checkpoints outside the heights asked for');
      last = header.height;
      const held = await store.headerAt(org, header.height);
      if (held?.text !== header.text) continue;
      if ((await this.#options.take(header)) > 0)
        throw new NetError('NET_MESSAGE_MALFORMED', `a forged cosignature on ${org} ${header.height}`);
    }
  }
}

/** The header with the cosignatures appended, earliest first, within the lines a note may carry. */
function withEarliest(header: BlockHeader, records: readonly CosignatureRecord[]): BlockHeader {
  const room = DEFAULT_MAX_SIGNATURES - header.note.signatures.length;
  if (records.length === 0 || room <= 0) return header;
  const earliest = [...records].sort((a, b) => a.timestamp - b.timestamp).slice(0, room);
  return withSignatures(
    header,
    earliest.map((r) => r.signature),
  );
}
