/**
 * When a witness cosigns (docs/protocol.md §12.8): the latest held checkpoint of each org, at most
 * once per `intervalMs` per org, rather than every block.
 *
 * A checkpoint's cosignature covers every entry below its size, since every later checkpoint the
 * witness accepts is consistent with the earlier ones (hash chain and Merkle frontier). Cosigning
 * each block instead made witnessing cost orgs × blocks signatures, each gossiped to and verified
 * by every node: the gossip benchmark drowned in it. Here, per org:
 *
 * - the first change of the held head after a quiet `intervalMs` is cosigned at once (a lone block
 *   is witnessed without delay);
 * - changes within `intervalMs` of the last cosignature wait until `intervalMs` after it, and then
 *   the head held *at that moment* is cosigned: a newer checkpoint supersedes an unsent one;
 * - a change during a run is cosigned by the next run, `intervalMs` after this one.
 *
 * So a witness makes at most one cosignature per org per `intervalMs`, and its latest one is at
 * most `intervalMs` (plus the signing) behind the head it holds. The run itself decides what to
 * sign (the org's head, unless frozen or already cosigned) and reports whether it signed; a run that
 * signed nothing does not count against the interval.
 */

export interface CosignScheduleOptions {
  /** The least time between two cosignatures of one org by this witness, ms. */
  readonly intervalMs: number;
  /** Cosigns `org`'s current head if it should; resolves true if it made a cosignature. */
  readonly run: (org: string) => Promise<boolean>;
  /** The clock, ms (default Date.now). */
  readonly now?: () => number;
}

interface OrgSchedule {
  /** When the last run that signed started (−∞ before the first). */
  lastAt: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  running: Promise<void> | undefined;
  /** The head changed while a run was in progress. */
  dirty: boolean;
}

export class CosignSchedule {
  readonly #intervalMs: number;
  readonly #run: (org: string) => Promise<boolean>;
  readonly #now: () => number;
  readonly #orgs = new Map<string, OrgSchedule>();
  #stopped = false;

  constructor(options: CosignScheduleOptions) {
    this.#intervalMs = options.intervalMs;
    this.#run = options.run;
    this.#now = options.now ?? Date.now;
  }

  /** `org`'s held head changed (or may not be cosigned yet): cosign it now or when its turn comes. */
  touch(org: string): void {
    if (this.#stopped) return;
    let state = this.#orgs.get(org);
    if (state === undefined) {
      state = { lastAt: Number.NEGATIVE_INFINITY, timer: undefined, running: undefined, dirty: false };
      this.#orgs.set(org, state);
    }
    if (state.running !== undefined) {
      state.dirty = true;
      return;
    }
    // A run is already due: it will cosign whatever the head is by then.
    if (state.timer !== undefined) return;
    const wait = state.lastAt + this.#intervalMs - this.#now();
    if (wait <= 0) {
      this.#start(org, state);
      return;
    }
    state.timer = setTimeout(() => {
      state.timer = undefined;
      if (!this.#stopped) this.#start(org, state);
    }, wait);
    // The schedule never keeps a process alive on its own.
    state.timer.unref?.();
  }

  #start(org: string, state: OrgSchedule): Promise<void> {
    state.dirty = false;
    const startedAt = this.#now();
    const running = this.#run(org)
      .then(
        (signed) => {
          if (signed) state.lastAt = startedAt;
        },
        () => undefined,
      )
      .finally(() => {
        state.running = undefined;
        if (state.dirty) this.touch(org);
      });
    state.running = running;
    return running;
  }

  /**
   * Runs every deferred cosignature now, ignoring the interval, and waits for runs in progress:
   * a witness that stops first cosigns the heads it had pending.
   */
  async flush(): Promise<void> {
    // A run in progress that saw the head change defers the next one as it ends: wait for it first.
    await Promise.all([...this.#orgs.values()].map((state) => state.running));
    const runs: Promise<void>[] = [];
    for (const [org, state] of this.#orgs) {
      if (state.timer === undefined) continue;
      clearTimeout(state.timer);
      state.timer = undefined;
      runs.push(state.running ?? this.#start(org, state));
    }
    await Promise.all(runs);
  }

  /** Cancels what is deferred; runs in progress finish on their own. */
  stop(): void {
    this.#stopped = true;
    for (const state of this.#orgs.values()) {
      if (state.timer !== undefined) clearTimeout(state.timer);
      state.timer = undefined;
      state.dirty = false;
    }
  }
}
