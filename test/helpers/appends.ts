/**
 * Schema-valid appends for the operations tests (metrics, logs, backup): joint records of the
 * pipe profile's sample bodies, through a daemon's HTTP API with an operator token.
 */
import { sampleBody, sampleSegment } from '@liuhen/profile-pipe/scenario';
import { api } from '../../scripts/lib/node-process.ts';

export interface Ack {
  id: string;
  org: string;
  index: number;
  height: number;
}

let appended = 0;

/** Appends `n` joint records, one after another, over three segments of `lane` (0-99). */
export async function appendJoints(url: string, token: string, n: number, lane = 0): Promise<Ack[]> {
  const acks: Ack[] = [];
  for (let i = 0; i < n; i++) {
    appended++;
    const { status, json } = await api<Ack>(url, token, 'POST', '/v1/entries', {
      object: sampleSegment(lane * 1000 + (appended % 3) * 2),
      kind: 'construction.joint-made',
      role: 'QI',
      time: Date.now() - 60_000,
      body: sampleBody('construction.joint-made', appended),
    });
    if (status !== 201) throw new Error(`append at ${url}: HTTP ${status} ${JSON.stringify(json)}`);
    acks.push(json);
  }
  return acks;
}
