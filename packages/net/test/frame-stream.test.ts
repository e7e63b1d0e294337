/**
 * FrameStream's read pausing against a stream that behaves like a yamux stream: data flows only
 * while the muxer grants window, and it grants again on every data frame unless paused. The
 * sender here is always faster than the reader, which is what a verifying requester sees.
 */
import '../src/polyfill.ts';
import { setImmediate as tick } from 'node:timers/promises';
import { AbstractStream, type SendResult } from '@libp2p/utils';
import { describe, expect, it } from 'vitest';
import { FrameStream, STREAM_WINDOW_BYTES } from '../src/index.ts';

function quietLog(): never {
  const log = Object.assign(() => undefined, {
    trace: () => undefined,
    error: () => undefined,
    enabled: false,
  });
  return log as never;
}

/** A stream whose remote may send only within the window it was granted (as in yamux). */
class WindowedStream extends AbstractStream {
  granting = true;
  credit = STREAM_WINDOW_BYTES;
  maxReadBuffer = 0;

  constructor() {
    super({ id: 'test', log: quietLog(), direction: 'outbound' });
  }

  /** The remote side: sends what its credit allows, in 64 KiB chunks. */
  deliver(source: { bytes: Uint8Array; at: number }): void {
    while (this.credit > 0 && source.at < source.bytes.byteLength && this.status === 'open') {
      const n = Math.min(64 * 1024, this.credit, source.bytes.byteLength - source.at);
      this.credit -= n;
      this.onData(source.bytes.subarray(source.at, source.at + n));
      source.at += n;
      this.maxReadBuffer = Math.max(this.maxReadBuffer, this.readBufferLength);
      // yamux answers every data frame with a window update unless the stream is paused.
      if (this.granting) this.credit = STREAM_WINDOW_BYTES;
    }
  }

  sendData(): SendResult {
    return { sentBytes: 0, canSendMore: true };
  }
  sendReset(): void {}
  async sendCloseWrite(): Promise<void> {}
  async sendCloseRead(): Promise<void> {}
  sendPause(): void {
    this.granting = false;
  }
  sendResume(): void {
    this.granting = true;
    this.credit = STREAM_WINDOW_BYTES;
  }
}

function frames(count: number, size: number): Uint8Array {
  const out = new Uint8Array(count * (size + 4));
  let at = 0;
  for (let i = 0; i < count; i++) {
    // varint(size + 1) ‖ DATA ‖ payload
    let length = size + 1;
    while (length >= 0x80) {
      out[at++] = (length & 0x7f) | 0x80;
      length >>>= 7;
    }
    out[at++] = length;
    out[at++] = 0x00;
    out.fill(i & 0xff, at, at + size);
    at += size;
  }
  return out.subarray(0, at);
}

describe('FrameStream read pausing', () => {
  it('keeps a fast sender within one window while the reader lags, across every resume', async () => {
    const stream = new WindowedStream();
    const reader = new FrameStream(stream);
    const COUNT = 300;
    const SIZE = 86 * 1024;
    const source = { bytes: frames(COUNT, SIZE), at: 0 };
    let aborted: unknown;
    stream.addEventListener('abort', (evt) => {
      aborted = (evt as Event & { error?: unknown }).error;
    });
    for (let i = 0; i < COUNT; i++) {
      // The sender fills whatever window it has before each read.
      stream.deliver(source);
      const frame = await reader.read();
      expect(aborted).toBeUndefined();
      expect(frame.type).toBe('data');
      if (frame.type === 'data') expect(frame.payload[0]).toBe(i & 0xff);
      // A paused stream must never be granting window: that is what let the buffer run away.
      if (stream.readStatus === 'paused') expect(stream.granting).toBe(false);
      await tick();
    }
    expect(source.at).toBe(source.bytes.byteLength);
    // What piles up while paused is at most what was granted before the pause.
    expect(stream.maxReadBuffer).toBeLessThanOrEqual(2 * STREAM_WINDOW_BYTES);
  });
});
