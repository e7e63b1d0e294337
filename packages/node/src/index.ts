export * from './daemon.ts';
export * from './data-dir.ts';
export * from './default-profile.ts';
export * from './http/errors.ts';
export * from './http/server.ts';
export * from './keystore.ts';
export * from './ledger-node.ts';
export * from './verify-store.ts';
