/**
 * A daemon's whole log as its HTTP API lists it, and the check that nothing acknowledged was lost:
 * for the tests that kill a daemon or fill its disk and then count what it kept.
 */
import { expect } from 'vitest';
import { request } from './http.ts';

/** Every entry of the log, id → index, paged through the API; fails on a duplicate. */
async function listLog(url: string, token: string): Promise<Map<string, number>> {
  const all = new Map<string, number>();
  let after: string | undefined;
  for (;;) {
    const page = await request<{ entries: Array<{ id: string; index: number }> }>(
      url,
      `/v1/entries?from=0&limit=1000${after ? `&after=${after}` : ''}`,
      { token },
    );
    expect(page.status).toBe(200);
    for (const e of page.json.entries) {
      expect(all.has(e.id), `${e.id} listed twice`).toBe(false);
      all.set(e.id, e.index);
    }
    if (page.json.entries.length < 1000) return all;
    after = page.json.entries.at(-1)?.id;
  }
}

/**
 * The listed log is exactly indexes 0..size-1, each once (no gaps), and holds every acknowledged
 * entry at the index it was acknowledged at; `when` names the moment in failure messages.
 * Returns the listing.
 */
export async function expectWholeLog(
  url: string,
  token: string,
  size: number,
  acked: Iterable<{ id: string; index: number }>,
  when: string,
): Promise<Map<string, number>> {
  const log = await listLog(url, token);
  expect(log.size, `${when}: entries listed vs log size`).toBe(size);
  expect([...log.values()].sort((a, b) => a - b)).toEqual(Array.from({ length: size }, (_, i) => i));
  const lost = [...acked].filter((ack) => log.get(ack.id) !== ack.index);
  expect(lost, `${when}: acknowledged entries missing or moved`).toEqual([]);
  return log;
}
