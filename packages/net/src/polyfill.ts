/**
 * `Promise.withResolvers` for Node 20 (it arrived in Node 22). libp2p 3 and @libp2p/utils call it
 * at run time, so `createLibp2p()` fails on Node 20 with "Promise.withResolvers is not a function"
 * unless this module has been evaluated first. It is the only copy of the polyfill in the project:
 * `host.ts` and `index.ts` import it before anything else, and a vitest `setupFiles` entry or a
 * child process (`node --import`) can import this file directly. Installing it is idempotent and
 * leaves a native implementation alone.
 */

interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

const promiseConstructor = Promise as PromiseConstructor & { withResolvers?: unknown };

if (typeof promiseConstructor.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    enumerable: false,
    value: function withResolvers<T>(this: PromiseConstructor): Resolvers<T> {
      let resolve!: Resolvers<T>['resolve'];
      let reject!: Resolvers<T>['reject'];
      // Honour subclasses, as the native method does (`Promise.withResolvers.call(MyPromise)`).
      const promise = new this<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}

export {};
