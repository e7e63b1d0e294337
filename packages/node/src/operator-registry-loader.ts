/**
 * The operator registry of every org, rebuilt from the store: appointment and revocation
 * records fed in each org's log order, as `OperatorRegistry.apply` requires.
 */
import { openEnvelope } from '@liuhen/core';
import { OPERATOR_APPOINTED, OPERATOR_REVOKED, OperatorRegistry } from '@liuhen/governance';
import type { LedgerStore } from '@liuhen/store';
import { STORED_ENTRY_BYTES } from './stored-entry.ts';

export async function loadRegistry(store: LedgerStore): Promise<OperatorRegistry> {
  const registry = new OperatorRegistry();
  const hits = [...(await store.byKind(OPERATOR_APPOINTED)), ...(await store.byKind(OPERATOR_REVOKED))];
  hits.sort((a, b) => (a.org === b.org ? a.index - b.index : a.org < b.org ? -1 : 1));
  for (const hit of hits) {
    const envelope = await store.envelope(hit.org, hit.index);
    if (envelope)
      registry.apply(hit.org, hit.index, openEnvelope(envelope, { maxBytes: STORED_ENTRY_BYTES }).entry);
  }
  return registry;
}
