/**
 * A cleared reader's decryption keys: the org's X25519 encryption secrets in the node's own key
 * files (`keys/encryption/<key id>.json` of its data directory, written by `liuhen-node
 * encryption-key new`), unlocked with the node's passphrase (`--passphrase-file`, else
 * LIUHEN_PASSPHRASE) by the node's keystore, so a key is read here exactly as the node reads it.
 *
 * @liuhen/node is loaded only when a key is given: it is large, and a replay without keys needs
 * nothing of it. The object's grants (`grantsOf`) come with the keys: a reader that holds a wrap
 * only through a grant opens the section with it.
 */

import { UsageError } from '@liuhen/client/node';
import { type EncryptionKeyPair, isLiuhenError, type WrapSet } from '@liuhen/core';
import { grantsOf, type TracedEntry } from '@liuhen/trace';

export interface ReaderKeys {
  readonly keys: readonly EncryptionKeyPair[];
  /** The valid grants of a sealed entry among the trace's entries, as wrap sets. */
  readonly grantsOf: (target: TracedEntry, entries: readonly TracedEntry[]) => WrapSet[];
}

export async function loadReaderKeys(
  files: readonly string[],
  passphraseFile: string | undefined,
): Promise<ReaderKeys> {
  const node = await import('@liuhen/node');
  try {
    const passphrase = node.resolvePassphrase(passphraseFile === undefined ? {} : { passphraseFile });
    return { keys: node.unlockEncryptionKeyFiles(files, passphrase), grantsOf };
  } catch (error) {
    throw new UsageError(isLiuhenError(error) ? error.code : 'FILE_UNREADABLE', (error as Error).message);
  }
}
