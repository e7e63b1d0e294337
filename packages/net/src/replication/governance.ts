/**
 * Replication of the governance log (DESIGN §3, §5; docs/protocol.md §12.6). The log is
 * replicated like any log: gossip on a per-network governance topic, whose validator fully
 * verifies (and applies) every action before it spreads, and a request/response protocol that
 * fetches actions by position range, used for anti-entropy (on connect and periodically), to
 * fill a gap behind a gossiped action, and to fetch the actions a block claims before the block is
 * judged (`catchUp`).
 *
 * This module moves opaque signed-action bytes and limits their sizes; whether an action applies
 * is the `GovernanceLog`'s question (the node folds it into its `GovernanceState`, which checks
 * the chain, the authority signatures and the effect). Outcomes are read from the stable codes of
 * the errors `submit` throws (docs/protocol.md §13.8), so this package does not depend on the
 * governance package.
 */
import { type Message, TopicValidatorResult } from '@libp2p/gossipsub';
import type { PeerId } from '@libp2p/interface';
import { type BlockHeader, type CborValue, encodeCanonical, toHex } from '@liuhen/core';
import { isNetError, NetError } from '../errors.ts';
import { type RequestContext, requestAll, serveRequests } from '../frames.ts';
import type { Host } from '../host.ts';
import { decodeMap, malformed } from './messages.ts';

export const GOVERNANCE_PROTOCOL = '/liuhen/governance/1';
/** Largest signed action (the governance package's `MAX_SIGNED_ACTION_BYTES`). */
export const MAX_SIGNED_ACTION_BYTES = 73_728;
/** Largest governance gossip message: one signed action and the map around it. */
export const MAX_GOVERNANCE_GOSSIP_BYTES = MAX_SIGNED_ACTION_BYTES + 64;
/** Largest governance response (one frame). */
export const MAX_GOVERNANCE_RESPONSE_BYTES = 1024 * 1024;
/** Most actions one response carries; a requester asks again from where it stopped. */
export const MAX_GOVERNANCE_ACTIONS = 1024;
/** Largest governance request. */
export const MAX_GOVERNANCE_REQUEST_BYTES = 64;

/** How long a peer's reported head is trusted to be below a position `catchUp` looks for. */
const CATCH_UP_RECHECK_MS = 5_000;

/** The governance gossip topic of a network: `/liuhen/<network id hex>/governance`. */
export function governanceTopic(network: Uint8Array): string {
  return `/liuhen/${toHex(network)}/governance`;
}

// ---- messages ---------------------------------------------------------------------------------

export interface GovernanceRequest {
  /** The first position wanted (≥ 1). */
  readonly from: number;
  /** The last position wanted (≥ from). */
  readonly to: number;
}

export interface GovernanceResponse {
  /** The responder's governance position (the number of actions it has applied). */
  readonly head: number;
  /** Its signed actions of positions from, from + 1, …: at most to − from + 1 of them. */
  readonly actions: readonly Uint8Array[];
}

function position(value: CborValue | undefined, what: string, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
    malformed(`${what} is not an integer ≥ ${min}`);
  return value;
}

function actionBytes(value: CborValue | undefined): Uint8Array {
  if (!(value instanceof Uint8Array) || value.byteLength === 0 || value.byteLength > MAX_SIGNED_ACTION_BYTES)
    malformed(`an action is not a byte string of 1 … ${MAX_SIGNED_ACTION_BYTES} bytes`);
  return value;
}

function checkRequest(request: GovernanceRequest): GovernanceRequest {
  position(request.from, 'from', 1);
  position(request.to, 'to', request.from);
  return request;
}

/** `{"type": "governance-request", "from": uint, "to": uint}`, 1 ≤ from ≤ to. */
export function encodeGovernanceRequest(request: GovernanceRequest): Uint8Array {
  checkRequest(request);
  return encodeCanonical({ type: 'governance-request', from: request.from, to: request.to });
}

export function decodeGovernanceRequest(bytes: Uint8Array): GovernanceRequest {
  const value = decodeMap(bytes, 'governance-request', ['from', 'to'], MAX_GOVERNANCE_REQUEST_BYTES);
  return checkRequest({ from: position(value.from, 'from', 1), to: position(value.to, 'to', 1) });
}

/** `{"type": "governance-actions", "head": uint, "actions": [signed action bstr …]}`. */
export function encodeGovernanceResponse(response: GovernanceResponse): Uint8Array {
  position(response.head, 'head', 0);
  if (response.actions.length > MAX_GOVERNANCE_ACTIONS)
    malformed(`more than ${MAX_GOVERNANCE_ACTIONS} actions`);
  const bytes = encodeCanonical({
    type: 'governance-actions',
    head: response.head,
    actions: response.actions.map(actionBytes),
  });
  if (bytes.byteLength > MAX_GOVERNANCE_RESPONSE_BYTES)
    malformed(`a governance response above ${MAX_GOVERNANCE_RESPONSE_BYTES} bytes`);
  return bytes;
}

/**
 * Decodes a response to `request`: at most to − from + 1 actions, and a head that covers them
 * (head ≥ from − 1 + the number of actions).
 */
export function decodeGovernanceResponse(bytes: Uint8Array, request?: GovernanceRequest): GovernanceResponse {
  const value = decodeMap(bytes, 'governance-actions', ['head', 'actions'], MAX_GOVERNANCE_RESPONSE_BYTES);
  const head = position(value.head, 'head', 0);
  if (!Array.isArray(value.actions) || value.actions.length > MAX_GOVERNANCE_ACTIONS)
    malformed('actions is not a bounded array');
  const actions = value.actions.map(actionBytes);
  if (request !== undefined) {
    if (actions.length > request.to - request.from + 1)
      malformed(`${actions.length} actions for positions ${request.from} … ${request.to}`);
    if (actions.length > 0 && head < request.from - 1 + actions.length)
      malformed(`head ${head} is below the actions sent`);
  }
  return { head, actions };
}

/** Gossip: `{"type": "governance-action", "action": signed action bstr}`. */
export function encodeGossipAction(action: Uint8Array): Uint8Array {
  return encodeCanonical({ type: 'governance-action', action: actionBytes(action) });
}

export function decodeGossipAction(bytes: Uint8Array): Uint8Array {
  return actionBytes(decodeMap(bytes, 'governance-action', ['action'], MAX_GOVERNANCE_GOSSIP_BYTES).action);
}

// ---- the log and the replicator -----------------------------------------------------------

/** What the replicator needs of the node's governance log. */
export interface GovernanceLog {
  /** The current position: the number of actions applied. */
  readonly seq: number;
  /** The signed-action bytes of positions `from` … `to` (inclusive, clamped to the log). */
  actionBytes(from: number, to: number): Uint8Array[];
  /**
   * Verifies and applies one signed action durably. Throws an error whose `code` says why not
   * (`GOV_ACTION_REPLAYED`, `GOV_ACTION_OUT_OF_ORDER`, `GOV_ACTION_CONFLICT`, any other
   * `GOV_*` / `CBOR_*` code for an action that does not verify, `STORAGE_FAILED` …).
   */
  submit(bytes: Uint8Array): Promise<unknown>;
}

/**
 * The key a block header is verified with, chosen by governance (the org's node key valid at the
 * position the header claims and its height), or why there is none: `pending` (the position is
 * not verified here and could not be fetched: no verdict, no blame), `frozen` (beyond the org's
 * freeze point, or the org removed at that position), `invalid` (no such key may sign it).
 */
export type HeaderKeyVerdict =
  | { readonly key: Uint8Array }
  | {
      readonly result: 'pending' | 'frozen' | 'invalid';
      readonly reason: string;
      /** The stable code of an `invalid` verdict, for the peer-fault metrics (default NET_BLOCK_INVALID). */
      readonly code?: string;
    };

/** Chooses the header key; may first fetch governance actions from `source` (or any peer). */
export type HeaderKeyResolver = (
  header: BlockHeader,
  source: PeerId | undefined,
) => Promise<HeaderKeyVerdict>;

/** Errors of `GovernanceLog.submit` that are rule verdicts (the replicator treats them as invalid). */
export function isRuleError(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'GovernanceError' &&
    typeof (error as { code?: unknown }).code === 'string'
  );
}

type Outcome = 'applied' | 'duplicate' | 'gap' | 'conflict' | 'local' | 'invalid';

function outcomeOf(error: unknown): { outcome: Outcome; code: string } {
  const code = String((error as { code?: unknown } | undefined)?.code ?? '');
  if (code === 'GOV_ACTION_REPLAYED') return { outcome: 'duplicate', code };
  if (code === 'GOV_ACTION_OUT_OF_ORDER') return { outcome: 'gap', code };
  if (code === 'GOV_ACTION_CONFLICT') return { outcome: 'conflict', code };
  // This node's own storage failing says nothing about the action or whoever sent it.
  if (code === '' || code.startsWith('STORAGE') || code.startsWith('STORE') || code === 'NODE_CLOSED')
    return { outcome: 'local', code };
  return { outcome: 'invalid', code };
}

export interface GovernanceReplicatorEventMap {
  /** An action from the network was applied (`peer`: who sent it). */
  applied: CustomEvent<{ seq: number; peer: string }>;
  /** A peer sent an action at a position that holds a different one: two histories. */
  conflict: CustomEvent<{ peer: string; detail: string }>;
  /** A peer sent something that does not verify; its score was lowered. */
  misbehaviour: CustomEvent<{ peer: string; code: string; detail: string }>;
}

export interface GovernanceReplicatorOptions {
  readonly host: Host;
  readonly log: GovernanceLog;
  readonly network: Uint8Array;
  /** Idle limit of one request, ms (default 30 000). */
  readonly requestTimeoutMs?: number;
  /** Ask every connected peer for newer actions this often, ms (default 30 000; 0: only on connect). */
  readonly antiEntropyMs?: number;
}

export class GovernanceReplicator extends EventTarget {
  readonly topic: string;
  readonly #host: Host;
  readonly #log: GovernanceLog;
  readonly #timeoutMs: number;
  readonly #antiEntropyMs: number;
  readonly #pulls = new Map<string, Promise<number>>();
  /** The head each peer last reported, and when: `catchUp` does not ask a peer known to be behind. */
  readonly #heads = new Map<string, { head: number; at: number }>();
  readonly #tasks = new Set<Promise<unknown>>();
  readonly #stopping = new AbortController();
  #timer: ReturnType<typeof setInterval> | undefined;
  #onConnect: ((evt: CustomEvent<PeerId>) => void) | undefined;

  constructor(options: GovernanceReplicatorOptions) {
    super();
    this.#host = options.host;
    this.#log = options.log;
    this.#timeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#antiEntropyMs = options.antiEntropyMs ?? 30_000;
    this.topic = governanceTopic(options.network);
  }

  async start(): Promise<void> {
    const host = this.#host;
    host.setTopicValidator(this.topic, (peer, msg) =>
      this.#validate(peer, msg).catch(() => TopicValidatorResult.Ignore),
    );
    host.pubsub.subscribe(this.topic);
    await serveRequests(host.node, GOVERNANCE_PROTOCOL, (body, context) => this.#serve(body, context), {
      maxFrameBytes: MAX_GOVERNANCE_RESPONSE_BYTES,
      timeoutMs: this.#timeoutMs,
      onMisbehaviour: (peer, error) => this.#misbehaved(peer, error.code, error.detail ?? ''),
    });
    this.#onConnect = (evt) => this.#track(this.pull(evt.detail).catch(() => 0));
    host.node.addEventListener('peer:connect', this.#onConnect);
    if (this.#antiEntropyMs > 0) {
      this.#timer = setInterval(() => this.antiEntropy(), this.#antiEntropyMs);
      this.#timer.unref?.();
    }
  }

  async stop(): Promise<void> {
    this.#stopping.abort(new NetError('NET_STREAM_FAILED', 'governance replicator stopped'));
    if (this.#timer !== undefined) clearInterval(this.#timer);
    if (this.#onConnect !== undefined) this.#host.node.removeEventListener('peer:connect', this.#onConnect);
    this.#host.setTopicValidator(this.topic, undefined);
    try {
      this.#host.pubsub.unsubscribe(this.topic);
    } catch {
      // Already stopped.
    }
    await Promise.allSettled([this.#host.node.unhandle(GOVERNANCE_PROTOCOL)]);
    await Promise.allSettled([...this.#tasks]);
  }

  #track<T>(task: Promise<T>): Promise<T> {
    this.#tasks.add(task);
    task.finally(() => this.#tasks.delete(task)).catch(() => undefined);
    return task;
  }

  #emit<K extends keyof GovernanceReplicatorEventMap>(
    type: K,
    detail: GovernanceReplicatorEventMap[K]['detail'],
  ): void {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  #misbehaved(peer: PeerId, code: string, detail: string): void {
    this.#host.penalise(peer);
    this.#emit('misbehaviour', { peer: peer.toString(), code, detail });
  }

  /** Gossips a signed action this node has applied (one submitted to it, say). */
  async publish(action: Uint8Array): Promise<void> {
    await this.#host.pubsub.publish(this.topic, encodeGossipAction(action));
  }

  /** Asks every connected peer for actions beyond this node's position. */
  antiEntropy(): void {
    for (const peer of this.#host.node.getPeers()) this.#track(this.pull(peer).catch(() => 0));
  }

  async #submit(bytes: Uint8Array): Promise<{ outcome: Outcome; code: string; detail: string }> {
    try {
      await this.#log.submit(bytes);
      return { outcome: 'applied', code: '', detail: '' };
    } catch (error) {
      return { ...outcomeOf(error), detail: (error as Error | undefined)?.message ?? String(error) };
    }
  }

  async #validate(peer: PeerId, msg: Message): Promise<TopicValidatorResult> {
    let bytes: Uint8Array;
    try {
      bytes = decodeGossipAction(msg.data);
    } catch {
      return TopicValidatorResult.Reject;
    }
    let result = await this.#submit(bytes);
    if (result.outcome === 'gap') {
      // Earlier actions are missing here: fetch them from the peer that relayed this one, retry.
      await this.pull(peer).catch(() => 0);
      result = await this.#submit(bytes);
    }
    switch (result.outcome) {
      case 'applied':
        this.#emit('applied', { seq: this.#log.seq, peer: peer.toString() });
        return TopicValidatorResult.Accept;
      case 'invalid':
        return TopicValidatorResult.Reject;
      case 'conflict':
        this.#emit('conflict', { peer: peer.toString(), detail: result.detail });
        return TopicValidatorResult.Ignore;
      default:
        return TopicValidatorResult.Ignore;
    }
  }

  async *#serve(body: Uint8Array, context: RequestContext): AsyncGenerator<Uint8Array> {
    let request: GovernanceRequest;
    try {
      request = decodeGovernanceRequest(body);
    } catch (error) {
      if (isNetError(error)) this.#misbehaved(context.peer, error.code, error.detail ?? '');
      throw error;
    }
    const head = this.#log.seq;
    const last = Math.min(request.to, head, request.from + MAX_GOVERNANCE_ACTIONS - 1);
    const actions: Uint8Array[] = [];
    let bytes = 64;
    for (const action of this.#log.actionBytes(request.from, last)) {
      bytes += action.byteLength + 5;
      if (bytes > MAX_GOVERNANCE_RESPONSE_BYTES) break;
      actions.push(action);
    }
    yield encodeGovernanceResponse({ head, actions });
  }

  /**
   * Fetches and applies `peer`'s actions beyond this node's position, up to `target` (default:
   * the peer's head). Returns how many were applied. A response that lies (malformed, an action
   * that does not verify or is not at its position) lowers the peer's score and throws
   * NET_SYNC_INVALID.
   */
  pull(peer: PeerId, target = Number.POSITIVE_INFINITY): Promise<number> {
    const key = peer.toString();
    const running = this.#pulls.get(key);
    if (running !== undefined) {
      // One pull per peer at a time; run again after it if it stops short of `target`.
      return running.then(
        (n) => (this.#log.seq >= target ? n : this.pull(peer, target)),
        () => this.pull(peer, target),
      );
    }
    const run = this.#pull(peer, target).finally(() => this.#pulls.delete(key));
    this.#pulls.set(key, run);
    return run;
  }

  async #pull(peer: PeerId, target: number): Promise<number> {
    let applied = 0;
    while (!this.#stopping.signal.aborted) {
      const from = this.#log.seq + 1;
      if (from > target) break;
      const to = Math.min(target, from + MAX_GOVERNANCE_ACTIONS - 1);
      const request = { from, to };
      let response: GovernanceResponse;
      try {
        const frames = await requestAll(
          this.#host.node,
          peer,
          GOVERNANCE_PROTOCOL,
          encodeGovernanceRequest(request),
          {
            timeoutMs: this.#timeoutMs,
            maxFrameBytes: MAX_GOVERNANCE_RESPONSE_BYTES,
            signal: this.#stopping.signal,
          },
        );
        if (frames.length !== 1) malformed('a governance response is one frame');
        response = decodeGovernanceResponse(frames[0] as Uint8Array, request);
      } catch (error) {
        if (
          isNetError(error) &&
          !error.remote &&
          error.code !== 'NET_TIMEOUT' &&
          error.code !== 'NET_STREAM_FAILED' &&
          error.code !== 'NET_DIAL_FAILED'
        )
          this.#misbehaved(peer, error.code, error.detail ?? '');
        throw error;
      }
      this.#heads.set(peer.toString(), { head: response.head, at: Date.now() });
      let progressed = false;
      for (const bytes of response.actions) {
        const result = await this.#submit(bytes);
        if (result.outcome === 'applied') {
          applied++;
          progressed = true;
          this.#emit('applied', { seq: this.#log.seq, peer: peer.toString() });
        } else if (result.outcome === 'duplicate') {
          // Applied meanwhile from gossip.
        } else if (result.outcome === 'local') {
          throw new NetError('NET_STREAM_FAILED', `cannot apply governance actions here: ${result.detail}`);
        } else {
          if (result.outcome === 'conflict')
            this.#emit('conflict', { peer: peer.toString(), detail: result.detail });
          this.#misbehaved(peer, 'NET_SYNC_INVALID', result.detail);
          throw new NetError('NET_SYNC_INVALID', `a governance action from the peer: ${result.detail}`);
        }
      }
      if (!progressed || response.head <= this.#log.seq) break;
    }
    return applied;
  }

  /**
   * Makes sure position `target` is verified here: fetches the missing actions from `source`,
   * then, if still short, from every other connected peer in turn. Returns whether it is.
   */
  async catchUp(source: PeerId | undefined, target: number): Promise<boolean> {
    if (this.#log.seq >= target) return true;
    const peers = this.#host.node.getPeers();
    const order = source === undefined ? peers : [source, ...peers.filter((p) => !p.equals(source))];
    for (const peer of order) {
      if (this.#stopping.signal.aborted) break;
      // A peer that said, a moment ago, that it is below the target is not asked again yet: a
      // flood of headers claiming an unknown position costs each peer one request per period.
      // The source, which sent what claims the position, is always asked.
      const known = this.#heads.get(peer.toString());
      if (
        peer !== source &&
        known !== undefined &&
        known.head < target &&
        Date.now() - known.at < CATCH_UP_RECHECK_MS
      )
        continue;
      await this.pull(peer, target).catch(() => 0);
      if (this.#log.seq >= target) return true;
    }
    return this.#log.seq >= target;
  }
}
