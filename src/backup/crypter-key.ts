import { readFile } from 'node:fs/promises';
import { CRYPTER_KEY_BYTES, type CrypterMethod, type CrypterRef } from '../plan/crypter-method';
import { BrflowError, ErrorType } from '../plan/error-types';
import type { CipherInfo } from '../proto/brpb';
import { EncryptionMethod } from '../proto/encryptionpb';
import type { BackupCipher } from './cipher';

/** The wire value (encryptionpb.EncryptionMethod) of each `--crypter.method` name. */
export const CRYPTER_ENCRYPTION_METHOD: Readonly<Record<CrypterMethod, BackupCipher['method']>> = {
  'aes128-ctr': EncryptionMethod.AES128_CTR,
  'aes192-ctr': EncryptionMethod.AES192_CTR,
  'aes256-ctr': EncryptionMethod.AES256_CTR,
};

/**
 * The key as BR takes it (`--crypter.key` or the content of `--crypter.key-file`): hex text, a trailing
 * newline allowed, of exactly the method's length. `source` names where the text came from in errors; the
 * text itself is never part of a message.
 */
export function cipherFromHex(method: CrypterMethod, hex: string, source: string): BackupCipher {
  const text = hex.replace(/\s+$/, '');
  const where = `${source} (${method})`;
  if (text.length === 0) throw new BrflowError(ErrorType.BackupWrongKey, `${where} holds no key; it must hold the key as hex text`);
  if (!/^[0-9a-f]*$/i.test(text) || text.length % 2 !== 0) {
    throw new BrflowError(ErrorType.BackupWrongKey, `${where} is not hex text; it must hold the key as hex digits, like BR's --crypter.key-file`);
  }
  const key = Buffer.from(text, 'hex');
  const want = CRYPTER_KEY_BYTES[method];
  if (key.length !== want) {
    throw new BrflowError(ErrorType.BackupWrongKey, `${where} holds a ${key.length}-byte key; ${method} takes ${want} bytes (${want * 2} hex digits)`);
  }
  return { method: CRYPTER_ENCRYPTION_METHOD[method], key: new Uint8Array(key), source: where };
}

/**
 * Reads the key a CrypterRef names from the worker's (or the CLI's) host. A missing or unreadable file is
 * WrongKey naming the path, never InvalidInput: the input is fine, the host lacks the file.
 */
export async function readCrypterKey(ref: CrypterRef): Promise<BackupCipher> {
  let text: string;
  try {
    text = await readFile(ref.keyFile, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new BrflowError(ErrorType.BackupWrongKey,
      `key file ${ref.keyFile} (${ref.method}) cannot be read on this host (${code ?? 'error'}); put the backup's key there as hex text, readable by the brflow worker`);
  }
  return cipherFromHex(ref.method, text, `key file ${ref.keyFile}`);
}

/** Finds the key for a plan: the CrypterRef a restore names, else the worker's default, else none. */
export type BackupKeySource = (ref: CrypterRef | undefined) => Promise<BackupCipher | undefined>;

/** A key source over key files, falling back to `fallback` (the worker's BRFLOW_CRYPTER_* default) when a plan names none. */
export function keyFileSource(fallback?: CrypterRef): BackupKeySource {
  return async (ref) => {
    const use = ref ?? fallback;
    return use ? readCrypterKey(use) : undefined;
  };
}

/** CipherInfo for TiKV's DownloadRequest (brpb.CipherInfo): the worker puts it on the wire only. */
export function cipherInfoOf(cipher: BackupCipher): CipherInfo {
  return { cipherType: cipher.method, cipherKey: Buffer.from(cipher.key) };
}
