/**
 * Private keys at rest (DESIGN §2): each key is a JSON file holding its public key and its seed
 * encrypted with AES-256-GCM under a key derived by scrypt from a passphrase (or the contents of
 * a key file). The public key is authenticated as associated data, so a swapped public key is
 * detected on unlock. Secrets are never logged and never leave this module except as seeds.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import {
  type EncryptionKeyPair,
  encryptionKeyPair,
  fromHex,
  isLiuhenError,
  LiuhenError,
  publicKeyFromSeed,
  toHex,
} from '@liuhen/core';

const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export interface KeyFile {
  version: 1;
  label: string;
  publicKey: string;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  cipher: { name: 'aes-256-gcm'; nonce: string; ciphertext: string; tag: string };
}

function deriveKey(
  passphrase: string,
  salt: Uint8Array,
  params: { N: number; r: number; p: number },
): Buffer {
  return scryptSync(passphrase.normalize('NFKC'), salt, 32, { ...params, maxmem: SCRYPT.maxmem });
}

/** How a key file's public key follows from its secret: Ed25519 seeds, X25519 encryption secrets. */
export type PublicKeyOf = (secret: Uint8Array) => Uint8Array;

/** The X25519 public key of an org encryption secret (sealed sections, protocol §15.1). */
export const encryptionPublicKey: PublicKeyOf = (secret) => encryptionKeyPair(secret).publicKey;

export function sealSeed(
  seed: Uint8Array,
  passphrase: string,
  label: string,
  publicKeyOf: PublicKeyOf = publicKeyFromSeed,
): KeyFile {
  const salt = randomBytes(16);
  const nonce = randomBytes(12);
  const publicKey = publicKeyOf(seed);
  const cipher = createCipheriv('aes-256-gcm', deriveKey(passphrase, salt, SCRYPT), nonce);
  cipher.setAAD(publicKey);
  const ciphertext = Buffer.concat([cipher.update(seed), cipher.final()]);
  return {
    version: 1,
    label,
    publicKey: toHex(publicKey),
    kdf: { name: 'scrypt', N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, salt: toHex(salt) },
    cipher: {
      name: 'aes-256-gcm',
      nonce: toHex(nonce),
      ciphertext: toHex(ciphertext),
      tag: toHex(cipher.getAuthTag()),
    },
  };
}

export function openSeed(
  file: KeyFile,
  passphrase: string,
  publicKeyOf: PublicKeyOf = publicKeyFromSeed,
): Uint8Array {
  if (file?.version !== 1 || file.kdf?.name !== 'scrypt' || file.cipher?.name !== 'aes-256-gcm') {
    throw new LiuhenError('KEYSTORE_INVALID', `${file?.label ?? 'key file'}: unsupported format`);
  }
  try {
    const { N, r, p } = file.kdf;
    const decipher = createDecipheriv(
      'aes-256-gcm',
      deriveKey(passphrase, fromHex(file.kdf.salt), { N, r, p }),
      fromHex(file.cipher.nonce),
    );
    decipher.setAAD(fromHex(file.publicKey));
    decipher.setAuthTag(fromHex(file.cipher.tag));
    const seed = new Uint8Array(
      Buffer.concat([decipher.update(fromHex(file.cipher.ciphertext)), decipher.final()]),
    );
    if (toHex(publicKeyOf(seed)) !== file.publicKey) throw new Error('public key mismatch');
    return seed;
  } catch (cause) {
    throw new LiuhenError('KEYSTORE_LOCKED', `${file.label}: wrong passphrase or damaged key file`, {
      cause,
    });
  }
}

/** Writes atomically (temp file, fsync, rename) with owner-only permissions. */
export function writeKeyFile(path: string, file: KeyFile): void {
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  const fd = openSync(temp, 'r');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(temp, path);
}

export function readKeyFile(path: string): KeyFile {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as KeyFile;
  } catch (cause) {
    throw new LiuhenError('KEYSTORE_INVALID', `cannot read key file ${path}`, { cause });
  }
}

/**
 * The passphrase comes from, in order: an explicit value, a passphrase file, the environment
 * variable LIUHEN_PASSPHRASE. There is no built-in default: a key must never be stored in clear.
 */
export function resolvePassphrase(options: { passphrase?: string; passphraseFile?: string }): string {
  if (options.passphrase) return options.passphrase;
  if (options.passphraseFile) return readFileSync(options.passphraseFile, 'utf8').replace(/\r?\n$/, '');
  const env = process.env.LIUHEN_PASSPHRASE;
  if (env) return env;
  throw new LiuhenError('KEYSTORE_LOCKED', 'no passphrase: set LIUHEN_PASSPHRASE or pass --passphrase-file');
}

/**
 * An org's encryption keys from its key files (`keys/encryption/<key id>.json`), for a reader
 * outside the node: the inspector and the replay tool. A file that does not unlock fails with its
 * own code and names the file.
 */
export function unlockEncryptionKeyFiles(files: readonly string[], passphrase: string): EncryptionKeyPair[] {
  return files.map((file) => {
    try {
      return encryptionKeyPair(openSeed(readKeyFile(file), passphrase, encryptionPublicKey));
    } catch (error) {
      throw new LiuhenError(
        isLiuhenError(error) ? error.code : 'KEYSTORE_INVALID',
        `cannot unlock the encryption key ${file}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  });
}
