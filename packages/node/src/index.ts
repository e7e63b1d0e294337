export * from './daemon.ts';
export * from './data-dir.ts';
export * from './entry-refused.ts';
export * from './governance.ts';
// Types only: the values load libp2p, which the daemon imports on demand (config p2p) so that
// every other CLI command starts as fast as before.
export type { GovernanceNet } from './governance-net.ts';
export * from './governance-validation.ts';
export * from './http/access.ts';
export { PUBLIC_EXPORT_TYPE } from './http/access-routes.ts';
export * from './http/errors.ts';
export * from './http/server.ts';
export * from './keystore.ts';
export * from './ledger-node.ts';
export * from './metrics.ts';
export type { NodeReplicaStoreOptions, OrgReplicationState } from './replica-store.ts';
export type { FraudProofInfo, OrgStatus, PeerInfo, Replication, WitnessInfo } from './replication.ts';
export * from './sealing.ts';
export * from './verify-store.ts';
