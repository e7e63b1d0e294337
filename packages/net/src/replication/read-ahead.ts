/**
 * Pipelining with bounded memory: `readAhead(source)` pulls items from `source` while its
 * consumer is still busy with earlier ones, holding at most `maxItems` items and `maxBytes`
 * (by `sizeOf`) not yet taken. The sync requester uses it to receive, decode and start
 * verifying the next blocks while the previous one is being committed.
 *
 * - A failure of the source reaches the consumer only after every item produced before it: a
 *   response cut short still delivers the complete blocks it carried.
 * - When the consumer stops early (returns or throws), `stop` is called (it aborts the source's
 *   request, so a pending read ends at once) and the source is closed before the generator ends.
 */
export interface ReadAheadOptions<T extends object> {
  readonly maxItems: number;
  readonly maxBytes: number;
  readonly sizeOf: (item: T) => number;
  /** Called when the consumer stops before the source is exhausted. */
  readonly stop?: () => void;
}

export async function* readAhead<T extends object>(
  source: AsyncIterable<T>,
  options: ReadAheadOptions<T>,
): AsyncGenerator<T, void, undefined> {
  const buffer: T[] = [];
  let bytes = 0;
  let done = false;
  let stopped = false;
  let failure: { error: unknown } | undefined;
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  const full = () => buffer.length >= options.maxItems || bytes >= options.maxBytes;

  const producer = (async () => {
    try {
      for await (const item of source) {
        buffer.push(item);
        bytes += options.sizeOf(item);
        wakeConsumer?.();
        while (!stopped && full())
          await new Promise<void>((resolve) => {
            wakeProducer = resolve;
          });
        if (stopped) break;
      }
    } catch (error) {
      failure = { error };
    } finally {
      done = true;
      wakeConsumer?.();
    }
  })();

  let finished = false;
  try {
    for (;;) {
      while (buffer.length === 0 && !done)
        await new Promise<void>((resolve) => {
          wakeConsumer = resolve;
        });
      const item = buffer.shift();
      if (item === undefined) {
        finished = true;
        if (failure !== undefined) throw failure.error;
        return;
      }
      bytes -= options.sizeOf(item);
      wakeProducer?.();
      yield item;
    }
  } finally {
    stopped = true;
    wakeProducer?.();
    if (!finished) options.stop?.();
    await producer;
    buffer.length = 0;
  }
}
