/**
 * Worker side of EnvelopeOpener: core's openEnvelope (decode, schema, network, signature) over a
 * batch of envelopes. Pure CPU; each answer is what openEnvelope returned or the code and detail
 * of what it threw.
 */
import { parentPort } from 'node:worker_threads';
import { type Entry, isLiuhenError, openEnvelope } from '@liuhen/core';

export interface OpenTask {
  seq: number;
  network: Uint8Array;
  maxBytes: number;
  envelopes: Uint8Array[];
}

export type Opened =
  | { entry: Entry; entryBytes: Uint8Array; signature: Uint8Array; id: Uint8Array }
  | { code: string; detail: string };

export interface OpenReply {
  seq: number;
  results: Opened[];
}

export function openAll(task: OpenTask): OpenReply {
  const results = task.envelopes.map((envelope): Opened => {
    try {
      const { entry, entryBytes, signature, id } = openEnvelope(envelope, {
        network: task.network,
        maxBytes: task.maxBytes,
      });
      return { entry, entryBytes, signature, id };
    } catch (error) {
      if (isLiuhenError(error)) {
        const prefix = `${error.code}: `;
        return {
          code: error.code,
          detail: error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message,
        };
      }
      return { code: 'INTERNAL', detail: error instanceof Error ? error.message : String(error) };
    }
  });
  return { seq: task.seq, results };
}

parentPort?.on('message', (task: OpenTask) => {
  parentPort?.postMessage(openAll(task));
});
