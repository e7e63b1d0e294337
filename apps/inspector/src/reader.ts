/**
 * Who the inspector reads sealed sections as (DESIGN §11): an org, a clearance and the org's
 * X25519 encryption keys, from the node's own key files (`keys/encryption/<key id>.json` of its
 * data directory, written by `liuhen-node encryption-key new`), unlocked with the node's
 * passphrase (`--passphrase-file`, else LIUHEN_PASSPHRASE) by the node's keystore, so a key is
 * read here exactly as the node reads it. The opening itself is verification's (core's views).
 *
 * @liuhen/node is loaded only when a key is given: it is large, and an inspector without keys
 * needs nothing of it.
 */

import { UsageError } from '@liuhen/client/node';
import { type Clearance, type EncryptionKeyPair, isLiuhenError } from '@liuhen/core';
import type { SealedReader } from '@liuhen/trace';

export interface ReaderOptions {
  readonly org?: string;
  readonly clearance?: Clearance;
  readonly encryptionKey?: readonly string[];
  readonly passphraseFile?: string;
}

async function unlock(
  files: readonly string[],
  passphraseFile: string | undefined,
): Promise<EncryptionKeyPair[]> {
  const node = await import('@liuhen/node');
  try {
    const passphrase = node.resolvePassphrase(passphraseFile === undefined ? {} : { passphraseFile });
    return node.unlockEncryptionKeyFiles(files, passphrase);
  } catch (error) {
    throw new UsageError(isLiuhenError(error) ? error.code : 'FILE_UNREADABLE', (error as Error).message);
  }
}

/**
 * The reader the options describe, or undefined when they name none: the inspector then reads as
 * any node does, at `internal`, and opens no sealed section.
 */
export async function readerOf(o: ReaderOptions): Promise<SealedReader | undefined> {
  const files = o.encryptionKey ?? [];
  if (o.org === undefined && o.clearance === undefined && files.length === 0) return undefined;
  if (files.length > 0 && o.org === undefined)
    throw new UsageError('USAGE', '--encryption-key needs --org: the org whose key it is');
  return {
    clearance: o.clearance ?? 'internal',
    ...(o.org === undefined ? {} : { org: o.org }),
    ...(files.length === 0 ? {} : { keys: await unlock(files, o.passphraseFile) }),
  };
}
