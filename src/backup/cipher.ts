import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import { BrflowError, ErrorType } from '../plan/error-types';
import { EncryptionMethod } from '../proto/encryptionpb';

/** The key of an encrypted backup, as BR's `--crypter.method`/`--crypter.key` give it. */
export interface BackupCipher {
  method: EncryptionMethod.AES128_CTR | EncryptionMethod.AES192_CTR | EncryptionMethod.AES256_CTR;
  key: Uint8Array;
  /** Where the key came from ("key file /etc/brflow/backup.key (aes256-ctr)"), named in errors instead of the key. */
  source?: string;
}

/** BR's options that supply the key, named in every "encrypted backup" error. */
export const CIPHER_KEY_OPTION = '--crypter.*';

/** AES-CTR uses a 16-byte IV; BR prepends it to an encrypted backupmeta. */
export const CIPHER_IV_LENGTH = 16;

const NODE_CIPHER: Record<BackupCipher['method'], string> = {
  [EncryptionMethod.AES128_CTR]: 'aes-128-ctr',
  [EncryptionMethod.AES192_CTR]: 'aes-192-ctr',
  [EncryptionMethod.AES256_CTR]: 'aes-256-ctr',
};

/**
 * Picks the AES-CTR variant from the key length (16/24/32 bytes), as BR's crypter does.
 * @throws BrflowError(InvalidInput) for any other length.
 */
export function cipherFromKey(key: Uint8Array): BackupCipher {
  switch (key.length) {
    case 16: return { method: EncryptionMethod.AES128_CTR, key };
    case 24: return { method: EncryptionMethod.AES192_CTR, key };
    case 32: return { method: EncryptionMethod.AES256_CTR, key };
    default:
      throw new BrflowError(ErrorType.InvalidInput,
        `backup key is ${key.length} bytes; --crypter.key must be 16, 24 or 32 bytes (hex) for AES128/192/256-CTR`);
  }
}

/** AES-CTR decryption (CTR is symmetric: the same call encrypts). */
export function decryptCtr(cipher: BackupCipher, iv: Uint8Array, data: Uint8Array): Uint8Array {
  if (iv.length !== CIPHER_IV_LENGTH) {
    throw new BrflowError(ErrorType.BackupMetaCorrupt, `cipher IV is ${iv.length} bytes, expected ${CIPHER_IV_LENGTH}`);
  }
  const d = createDecipheriv(NODE_CIPHER[cipher.method], cipher.key, iv);
  return Buffer.concat([d.update(data), d.final()]);
}

/** AES-CTR encryption with a fresh random IV (what BR's metadata writer does); for writers and tests. */
export function encryptCtr(cipher: BackupCipher, data: Uint8Array, iv: Uint8Array = randomBytes(CIPHER_IV_LENGTH)): { iv: Uint8Array; data: Uint8Array } {
  const c = createCipheriv(NODE_CIPHER[cipher.method], cipher.key, iv);
  return { iv, data: Buffer.concat([c.update(data), c.final()]) };
}

/**
 * An IV that is a function of the key, the object name and the plaintext (a synthetic IV): a writer that must
 * be reproducible (make-backup: same options, same bytes) still never reuses an IV for two different
 * plaintexts under one key, which CTR cannot afford. BR draws random IVs; readers cannot tell the difference.
 */
export function syntheticIv(cipher: BackupCipher, name: string, plaintext: Uint8Array): Uint8Array {
  const digest = createHash('sha256').update(plaintext).digest();
  return new Uint8Array(createHmac('sha256', cipher.key).update(name).update('\0').update(digest).digest().subarray(0, CIPHER_IV_LENGTH));
}
