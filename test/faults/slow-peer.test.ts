/**
 * A slow peer (issue 10): back-pressure holds and memory stays bounded. The test holds the node
 * keys of three member orgs (no daemon runs for them) and joins the network of two real daemons,
 * water and gas, with them. Through `bulk` it first gossips bulk's log to the daemons — 24 blocks
 * of sixteen ~48 KB entries, about 18 MB — then all three turn slow reader: each opens as many
 * sync requests for that whole log at water as water serves one peer at once
 * (`SYNC_STREAMS_PER_PEER`: twelve streams in all; each response would be capped at 16 MiB),
 * reads the first frame of each, and stops reading. The streams pause once their buffers hold a
 * couple of frames, as a real peer that cannot keep up does, and yamux stops granting window.
 *
 * - Back-pressure holds: what each stalled stream has received stops growing far short of its
 *   response (judged by the byte counts settling, never by elapsed time).
 * - One peer cannot open more: a further request from a peer whose slots are all taken is
 *   answered NET_PEER_BUSY at once, and served once that peer has finished the others.
 * - Memory stays bounded: water produces each response lazily, a frame at a time as the stream
 *   drains, and keeps nothing it has sent (frame-stream.ts, frames.ts), so a stalled stream holds
 *   at most the write high-water mark, a frame and the block being framed. Water's own memory
 *   (anonymous resident pages, read right after a full garbage collection: see MEASURED) grows,
 *   while the twelve streams stall, by less than twelve times that plus a fixed allowance. Runs
 *   here measured −22 to 11 MiB against a 36 MiB budget. The code before (every frame a response
 *   had sent held until it ended; writes that stopped waiting for the window after the first
 *   drain) measured 55–56 MiB in this test, and 72–194 MiB of anonymous memory in its earlier form
 *   (one peer, twelve streams, memory read without a collection).
 * - The fast path is not held up: while the readers stall, water takes appends and gas
 *   replicates them.
 * - Nothing is lost: once the readers resume, every response arrives whole and verifies against
 *   bulk's blocks; every acknowledged entry is on both daemons; both stores verify clean.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildEntry, sha256, signEntry, toHex } from '../../packages/core/src/index.ts';
import {
  decodeSyncFrame,
  encodeGossipBlock,
  encodeSyncRequest,
  FrameStream,
  type Host,
  MAX_SYNC_FRAME_BYTES,
  type PeerId,
  SYNC_PROTOCOL,
  SYNC_STREAMS_PER_PEER,
  WRITE_HIGH_WATER_BYTES,
} from '../../packages/net/src/index.ts';
import { daemonSuite, expectEveryAckHeld, stopAndVerify } from '../helpers/daemon-suite.ts';
import { type Ack, eventually } from '../helpers/network.ts';
import { MemberLog, memberKey } from '../helpers/org-log.ts';
import { subscribed } from '../helpers/peer.ts';

const DAEMONS = ['water', 'gas'];
const bulk = memberKey('bulk');
/** The slow readers: bulk itself and two more members that only read. */
const READERS = [bulk, memberKey('reader-a'), memberKey('reader-b')];
const BLOCKS = 24;
const PER_BLOCK = 16;
const ENTRY_PAYLOAD = 48 * 1024;
const STREAMS = READERS.length * SYNC_STREAMS_PER_PEER;
const MiB = 1024 * 1024;
/**
 * What the runtime may add to water's retained memory while the streams stall, beyond what the
 * streams themselves hold: their libp2p and LevelDB state, the heap's own growth, the allocator's
 * small blocks, the appends of the fast path. (Runs here measured less growth in all than the
 * streams' own bound.)
 */
const RUNTIME_ALLOWANCE = 12 * MiB;
/** Where a daemon reports a garbage collection asked for with SIGUSR2 done. */
const GC_REPORT = join(tmpdir(), `liuhen-slow-peer-gc-${process.pid}`);
/**
 * The daemons run so that their resident memory is what they hold, not what they once touched:
 * - on SIGUSR2 a daemon collects its garbage fully (twice, the second after buffers freed by the
 *   first are swept) and then writes GC_REPORT. Left alone, V8 collects buffers already sent only
 *   once tens of MiB more have been allocated outside its heap, so tens of MiB of frames water
 *   already wrote would count as held, or not, by chance;
 * - the allocator returns freed blocks above 32 KiB to the system at once (glibc otherwise keeps
 *   them resident for reuse, so resident memory would be the peak, not what is held).
 * Water's memory is read right after such a collection, before the stalls and while they last.
 */
const MEASURED: NodeJS.ProcessEnv = {
  NODE_OPTIONS: [
    process.env.NODE_OPTIONS,
    '--expose-gc',
    "--import=data:text/javascript,import{writeFileSync}from'node:fs';process.on('SIGUSR2',()=>{globalThis.gc();setTimeout(()=>{globalThis.gc();writeFileSync(process.env.LIUHEN_GC_REPORT,'collected')},250)})",
  ]
    .filter((option) => option !== undefined && option !== '')
    .join(' '),
  LIUHEN_GC_REPORT: GC_REPORT,
  MALLOC_MMAP_THRESHOLD_: String(32 * 1024),
  MALLOC_TRIM_THRESHOLD_: String(128 * 1024),
};

/** `n` entries of bulk, each carrying ~48 KB of incompressible bytes (schemas are not judged for another org). */
function bigRecords(log: MemberLog, n: number, from: number): Uint8Array[] {
  return Array.from(
    { length: n },
    (_, i) =>
      signEntry(
        buildEntry({
          network: log.network,
          org: log.org,
          object: `pipe:bulk:segment-${(from + i) % 3}`,
          kind: 'construction.joint-made',
          time: Date.now() - 60_000,
          signer: log.operator.publicKey,
          role: 'QI',
          body: {
            joint: `J${from + i}`,
            type: 'rubber-ring',
            gasketChecked: true,
            scan: new Uint8Array(randomBytes(ENTRY_PAYLOAD)),
          },
        }),
        log.operator.seed,
      ).envelope,
  );
}

/** Water's own resident memory right after it collected its garbage (see MEASURED). */
async function retained(pid: number): Promise<number> {
  rmSync(GC_REPORT, { force: true });
  process.kill(pid, 'SIGUSR2');
  await eventually(
    'the daemon collected its garbage',
    async () => (existsSync(GC_REPORT) ? undefined : 'not yet'),
    60_000,
    100,
  );
  return anonymousMemory(pid);
}

/**
 * Resident memory of process `pid` that is its own (VmRSS less the file-backed pages: LevelDB
 * maps its table files, and pages a read touches count in VmRSS without being anyone's buffer).
 */
function anonymousMemory(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('RssAnon:'));
  return Number(line?.split(/\s+/)[1]) * 1024;
}

interface SlowStream {
  frames: FrameStream;
  received: number;
  /** Ids of the entries read so far, in order. */
  ids: string[];
}

/** Waits until no stream has received anything for three samples (a second apart) in a row. */
async function stalledAll(streams: SlowStream[]): Promise<void> {
  let last = '';
  let still = 0;
  await eventually(
    'the stalled streams stop receiving',
    async () => {
      const now = streams.map((s) => s.received).join(',');
      still = now === last ? still + 1 : 0;
      last = now;
      return still >= 3 ? undefined : `received ${now}`;
    },
    90_000,
    1_000,
  );
}

/** Reads one frame; true at the END of the response. */
async function readFrame(s: SlowStream): Promise<boolean> {
  const frame = await s.frames.read(AbortSignal.timeout(120_000));
  if (frame.type === 'end') return true;
  if (frame.type === 'error') throw new Error(`sync answered ${frame.code} ${frame.message}`);
  s.ids.push(...decodeSyncFrame(frame.payload).entries.map((e) => toHex(sha256(e))));
  return false;
}

/** Opens a sync request for `bulk`'s log at `target` and counts the bytes that arrive on it. */
async function openSync(host: Host, target: PeerId, toSize: number): Promise<SlowStream> {
  const stream = await host.node.dialProtocol(target, SYNC_PROTOCOL);
  const slow: SlowStream = { frames: new FrameStream(stream, MAX_SYNC_FRAME_BYTES), received: 0, ids: [] };
  stream.addEventListener('message', (evt) => {
    slow.received += evt.data.byteLength;
  });
  await slow.frames.writeData(encodeSyncRequest({ org: 'bulk', fromSize: 0, toSize }));
  await stream.close();
  return slow;
}

describe('a slow peer', () => {
  const suite = daemonSuite(DAEMONS, {
    externalOrgs: READERS,
    env: () => MEASURED,
    meshMs: 300_000,
    setupMs: 600_000,
  });

  afterAll(() => rmSync(GC_REPORT, { force: true }));

  it('cannot make a daemon buffer without bound, nor hold up replication', { timeout: 600_000 }, async () => {
    const { net, peers } = suite;
    const { dir, networkId, topics } = suite.view();
    const water = suite.peerOf('water');
    const gas = suite.peerOf('gas');
    const acks: Ack[] = [...(await net.append('water', 3)), ...(await net.append('gas', 3))];

    // Bulk's log, gossiped block by block until both daemons hold it.
    const hosts = await Promise.all(READERS.map((reader) => peers.join(dir, reader.seed, net.addrs())));
    const host = hosts[0] as Host;
    await subscribed(host, topics.blocks, [water, gas], 120_000);
    const log = new MemberLog(bulk, networkId);
    for (let b = 0; b < BLOCKS; b++) {
      const block = log.append(
        b === 0
          ? [log.appointment(), ...bigRecords(log, PER_BLOCK - 1, 0)]
          : bigRecords(log, PER_BLOCK, b * PER_BLOCK),
      );
      await host.pubsub.publish(
        topics.blocks,
        encodeGossipBlock({ header: block.header, entries: block.envelopes }),
      );
      await eventually(
        `both daemons hold bulk's block ${b + 1}`,
        async () => {
          for (const org of DAEMONS) {
            const held = (await net.status(org)).orgs.bulk?.size ?? 0;
            if (held < block.header.size) return `${org} holds bulk at ${held}`;
          }
          return undefined;
        },
        60_000,
        100,
      );
    }
    const size = log.state.frontier.size;
    const blockBytes = log.blocks.map((b) => b.envelopes.reduce((m, e) => m + e.byteLength, 0));
    const logBytes = blockBytes.reduce((n, b) => n + b, 0);
    expect(logBytes).toBeGreaterThan(16 * MiB);

    const expectedIds = log.blocks.flatMap((b) => b.envelopes.map((e) => toHex(sha256(e))));
    const wholePrefix = (s: SlowStream) => {
      // A prefix of bulk's log, whole blocks, and at least the 16 MiB a response is capped at.
      expect(s.ids.length).toBeGreaterThan(0);
      expect(s.ids).toEqual(expectedIds.slice(0, s.ids.length));
      expect(log.blocks.some((b) => b.header.size === s.ids.length)).toBe(true);
    };
    const readWhole = async (s: SlowStream) => {
      while (!(await readFrame(s))) {}
      s.frames.stream.abort(new Error('done'));
      wholePrefix(s);
    };

    // The slow readers: as many whole-log requests each as water serves one peer at once, one
    // frame read from each, then nothing.
    const pid = net.node('water').process.pid as number;
    const before = await retained(pid);
    const slow: SlowStream[] = [];
    for (const reader of hosts) {
      const opened = await Promise.all(
        Array.from({ length: SYNC_STREAMS_PER_PEER }, () => openSync(reader, water, size)),
      );
      for (const s of opened) expect(await readFrame(s)).toBe(false);
      slow.push(...opened);
      // One more from the same peer is refused at once, not queued behind the stalled ones.
      const extra = await openSync(reader, water, size);
      const refusal = await extra.frames.read(AbortSignal.timeout(120_000));
      expect(refusal.type === 'error' ? refusal.code : refusal.type).toBe('NET_PEER_BUSY');
    }
    expect(slow).toHaveLength(STREAMS);
    await stalledAll(slow);
    const stalled = slow.map((s) => s.received);
    // Each response would be 16 MiB (the sync cap, below bulk's log); a stalled one took a
    // reader buffer (2 MiB) and a yamux window (2 MiB) at most, plus a frame in flight.
    for (const received of stalled) expect(received).toBeLessThan(6 * MiB);
    const held = await retained(pid);

    // Meanwhile the fast path works: water appends, gas replicates.
    acks.push(...(await net.append('water', 5)));
    await eventually('gas holds water’s new entries while the slow readers stall', () =>
      net.converged(['water'], [], ['gas']),
    );
    expect(slow.map((s) => s.received)).toEqual(stalled);
    const heldAfter = await retained(pid);
    // A stalled stream holds at most the write high-water mark, one frame, and the block being
    // framed; twelve of them, plus what the runtime adds meanwhile.
    const perStream = WRITE_HIGH_WATER_BYTES + MAX_SYNC_FRAME_BYTES + Math.max(...blockBytes);
    const budget = STREAMS * perStream + RUNTIME_ALLOWANCE;
    const growth = Math.max(held, heldAfter) - before;
    console.log(
      `slow peer: bulk log ${(logBytes / MiB).toFixed(1)} MiB; ${STREAMS} stalled responses received ${stalled.map((r) => (r / MiB).toFixed(1)).join(', ')} MiB of 16 each; water's anonymous memory after a collection ${(before / MiB).toFixed(1)} MiB before, ${(held / MiB).toFixed(1)} stalled, ${(heldAfter / MiB).toFixed(1)} after the fast path: growth ${(growth / MiB).toFixed(1)} MiB of a ${(budget / MiB).toFixed(1)} MiB budget`,
    );
    expect(growth, 'water’s own memory growth while stalled').toBeLessThan(budget);
    expect(net.node('water').process.exitCode).toBeNull();

    // The readers resume: every response arrives whole, in order, and is bulk's log.
    for (const s of slow) await readWhole(s);
    // With its streams done, each reader is served again.
    for (const reader of hosts) await readWhole(await openSync(reader, water, size));

    // Nothing acknowledged lost, and both stores verify clean.
    await eventually('water and gas converge', () => net.converged(DAEMONS));
    for (const org of DAEMONS) expect((await net.status(org)).orgs.bulk?.size).toBe(size);
    await expectEveryAckHeld(net, DAEMONS, acks);
    await peers.stopAll();
    await stopAndVerify(net, DAEMONS);
  });
});
