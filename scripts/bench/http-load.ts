/**
 * A closed-loop HTTP load generator: `clients` keep-alive connections, each sending its next
 * request as soon as the previous answer arrives. Requests completing in the warm-up are not
 * counted; throughput and latency percentiles are over the measured window.
 */
import { Agent, request } from 'node:http';

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  body?: Uint8Array;
  contentType?: string;
}

export interface LoadResult {
  /** Requests answered with `expect` per second in the measured window. */
  rate: number;
  p50: number;
  p99: number;
  max: number;
  ok: number;
  /** Answers with `expect` over the whole run, warm-up and after-window included. */
  completed: number;
  failed: number;
  firstFailure: string | undefined;
  /** True when `next` ran dry before the window ended (the window is then shorter). */
  exhausted: boolean;
  seconds: number;
}

function send(
  agent: Agent,
  url: URL,
  token: string,
  r: LoadRequest,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { authorization: `Bearer ${token}` };
    if (r.body) {
      headers['content-type'] = r.contentType ?? 'application/octet-stream';
      headers['content-length'] = r.body.length;
    }
    const req = request(
      { agent, host: url.hostname, port: url.port, path: r.path, method: r.method, headers },
      (res) => {
        const status = res.statusCode ?? 0;
        let body = '';
        // Bodies of successful answers are read and dropped; a failure's is kept for the report.
        res.on('data', (chunk: Buffer) => {
          if (status >= 300 && body.length < 2000) body += chunk.toString('utf8');
        });
        res.on('end', () => resolve({ status, body }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(r.body);
  });
}

export async function runLoad(options: {
  url: string;
  token: string;
  clients: number;
  warmupMs: number;
  measureMs: number;
  /** The i-th request overall, or undefined when there are no more. */
  next: (i: number) => LoadRequest | undefined;
  expect: number;
}): Promise<LoadResult> {
  const url = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.clients });
  const started = performance.now();
  const windowStart = started + options.warmupMs;
  let windowEnd = windowStart + options.measureMs;
  let exhausted = false;
  let issued = 0;
  let ok = 0;
  let completed = 0;
  let failed = 0;
  let firstFailure: string | undefined;
  const latencies: number[] = [];
  const client = async () => {
    for (;;) {
      if (performance.now() >= windowEnd) return;
      const r = options.next(issued++);
      if (r === undefined) {
        if (!exhausted) windowEnd = Math.min(windowEnd, performance.now());
        exhausted = true;
        return;
      }
      const sent = performance.now();
      const answer = await send(agent, url, options.token, r);
      const done = performance.now();
      if (answer.status === options.expect) completed++;
      if (sent < windowStart || done > windowEnd) continue;
      if (answer.status === options.expect) {
        ok++;
        latencies.push(done - sent);
      } else {
        failed++;
        firstFailure ??= `${answer.status} ${answer.body}`;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.clients }, client));
  } finally {
    agent.destroy();
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  const seconds = Math.max(0, windowEnd - windowStart) / 1000;
  return {
    rate: ok / seconds,
    p50: at(0.5),
    p99: at(0.99),
    max: latencies[latencies.length - 1] ?? Number.NaN,
    ok,
    completed,
    failed,
    firstFailure,
    exhausted,
    seconds,
  };
}
