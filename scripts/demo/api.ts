/** The departments' business systems talking to their nodes: plain fetch, bearer token, JSON. */

export interface Ack {
  id: string;
  org: string;
  index: number;
  height: number;
}

export interface OrgState {
  size: number;
  height: number;
  frozen: boolean;
  frozenAt: number | null;
  lastCosigners: string[];
}

export interface Status {
  org: string;
  network: string;
  log: { size: number; height: number };
  governance: { seq: number };
  orgs?: Record<string, OrgState>;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(`${status} ${code}: ${message}`);
    this.status = status;
    this.code = code;
  }
}

export class NodeApi {
  readonly url: string;
  readonly token: string;

  constructor(url: string, token: string) {
    this.url = url;
    this.token = token;
  }

  async request<T>(
    method: string,
    path: string,
    body?: Uint8Array | object,
    timeoutMs = 300_000,
  ): Promise<T> {
    const binary = body instanceof Uint8Array;
    const response = await fetch(new URL(path, this.url), {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': binary ? 'application/cbor' : 'application/json' }),
      },
      ...(body === undefined ? {} : { body: binary ? new Uint8Array(body) : JSON.stringify(body) }),
      // Generous: a node starting its worker threads on a loaded machine can take a minute to answer.
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    const json =
      text === '' ? undefined : (JSON.parse(text) as T & { error?: { code: string; message: string } });
    if (!response.ok) {
      const error = (json as { error?: { code: string; message: string } } | undefined)?.error;
      throw new ApiError(response.status, error?.code ?? 'HTTP', error?.message ?? text.slice(0, 200));
    }
    return json as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  status(): Promise<Status> {
    return this.get<Status>('/v1/status');
  }

  /**
   * A pre-signed envelope, as `application/cbor`; retried while the node is busy, and when an
   * answer does not come within a minute (the entry is identified by its bytes, so a retry can
   * only append it once: ENTRY_DUPLICATE then means the first attempt got through).
   */
  async postSigned(envelope: Uint8Array, id?: string): Promise<Ack> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.request<Ack>('POST', '/v1/signed-entries', envelope, 60_000);
      } catch (error) {
        const timedOut = (error as Error).name === 'TimeoutError';
        if (
          error instanceof ApiError &&
          error.code === 'ENTRY_DUPLICATE' &&
          attempt > 0 &&
          id !== undefined
        ) {
          const held = await this.get<{ org: string; index: number }>(`/v1/entries/${id}`).catch(() => {
            throw new Error(
              `${this.url} took entry ${id} (a retry is ENTRY_DUPLICATE) but neither acknowledged nor stored it within ${attempt} min: the node's append pipeline is stuck`,
            );
          });
          return { id, org: held.org, index: held.index, height: 0 };
        }
        const busy = error instanceof ApiError && error.status === 503;
        if (!(busy || timedOut) || attempt > 50 || (timedOut && attempt >= 4)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }

  async putBlob(bytes: Uint8Array): Promise<{ sha256: string; size: number }> {
    const response = await fetch(new URL('/v1/blobs', this.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/octet-stream' },
      body: new Uint8Array(bytes),
    });
    if (!response.ok) throw new ApiError(response.status, 'BLOB', await response.text());
    return (await response.json()) as { sha256: string; size: number };
  }
}

/**
 * One status poller per node, shared by everything waiting on it: "has this node got entry N of
 * org O yet?" is answered from one /v1/status request at a time, not one per waiter.
 */
export class Holdings {
  readonly #api: NodeApi;
  #waiters: Array<{
    org: string;
    size: number;
    resolve: () => void;
    reject: (e: Error) => void;
    until: number;
  }> = [];
  #polling = false;
  #sizes: Record<string, number> = {};

  constructor(api: NodeApi) {
    this.#api = api;
  }

  /** Resolves once the node holds `org`'s log up to `size` entries. */
  has(org: string, size: number, timeoutMs = 120_000): Promise<void> {
    if ((this.#sizes[org] ?? 0) >= size) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#waiters.push({ org, size, resolve, reject, until: Date.now() + timeoutMs });
      void this.#poll();
    });
  }

  async #poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      while (this.#waiters.length > 0) {
        const status = await this.#api.status();
        for (const [org, state] of Object.entries(status.orgs ?? {})) this.#sizes[org] = state.size;
        const now = Date.now();
        this.#waiters = this.#waiters.filter((w) => {
          if ((this.#sizes[w.org] ?? 0) >= w.size) w.resolve();
          else if (now > w.until)
            w.reject(new Error(`${status.org} did not receive ${w.org}'s log up to ${w.size} in time`));
          else return true;
          return false;
        });
        if (this.#waiters.length > 0) await new Promise((resolve) => setTimeout(resolve, 25));
      }
    } catch (error) {
      for (const w of this.#waiters.splice(0)) w.reject(error as Error);
    } finally {
      this.#polling = false;
    }
  }
}
