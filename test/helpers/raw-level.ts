/**
 * Direct access to a store's LevelDB database, below @liuhen/store, for tests that damage it on
 * purpose. `level` is the store package's dependency, so it is resolved from there.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export interface RawDb {
  iterator(): AsyncIterable<[Uint8Array, Uint8Array]>;
  put(key: Uint8Array, value: Uint8Array): Promise<void>;
  del(key: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

type LevelConstructor = new (
  path: string,
  options: { keyEncoding: 'view'; valueEncoding: 'view'; createIfMissing: boolean },
) => RawDb & { open(): Promise<void> };

export async function openRawDb(path: string): Promise<RawDb> {
  const require = createRequire(new URL('../../packages/store/package.json', import.meta.url));
  const module = (await import(pathToFileURL(require.resolve('level')).href)) as {
    Level?: LevelConstructor;
    default?: { Level: LevelConstructor };
  };
  const Level = module.Level ?? module.default?.Level;
  if (!Level) throw new Error('level did not export Level');
  const db = new Level(path, { keyEncoding: 'view', valueEncoding: 'view', createIfMissing: false });
  await db.open();
  return db;
}

/** The first record whose value satisfies `match`, read straight from the database. */
export async function findRecord(
  db: RawDb,
  match: (value: Uint8Array, key: Uint8Array) => boolean,
): Promise<{ key: Uint8Array; value: Uint8Array }> {
  for await (const [key, value] of db.iterator()) {
    if (match(value, key)) return { key: Uint8Array.from(key), value: Uint8Array.from(value) };
  }
  throw new Error('no record matches');
}
