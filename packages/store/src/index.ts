export { BlobStore, type PutOptions, type StoredBlob } from './blob-store.ts';
export { MAX_STORED_ACTION_BYTES } from './governance-actions.ts';
export {
  type AuditEntry,
  type AuditedTable,
  addEntryRecords,
  ExpectedIndexes,
  type PackedRecords,
  RecordPacker,
  TableDigests,
} from './index-audit.ts';
export {
  type BlockWrite,
  type EntryIndexRecord,
  type EntryLocation,
  type IndexedEntry,
  type IndexQuery,
  indexRecord,
  LedgerStore,
  type LogHead,
} from './ledger-store.ts';
export {
  checkSnapshot,
  decodeSnapshot,
  restoreSnapshot,
  SNAPSHOT_MAGIC,
  type SnapshotSummary,
} from './snapshot.ts';
