/**
 * BR's `--crypter.method` names brflow accepts (BR task/common.go parseCipherType; SM4 and the master-key
 * scheme are not supported) and the key length each takes. Pure, so workflow input validation uses it too.
 */
export const CRYPTER_METHODS = ['aes128-ctr', 'aes192-ctr', 'aes256-ctr'] as const;

export type CrypterMethod = (typeof CRYPTER_METHODS)[number];

/** Key bytes per method (BR checkCipherKeyMatch: crypterAES{128,192,256}KeyLen). */
export const CRYPTER_KEY_BYTES: Readonly<Record<CrypterMethod, number>> = { 'aes128-ctr': 16, 'aes192-ctr': 24, 'aes256-ctr': 32 };

/** BR accepts the lower- and the upper-case spelling; brflow keeps the lower-case one. */
export function parseCrypterMethod(s: string): CrypterMethod | undefined {
  const lower = s.toLowerCase();
  return (CRYPTER_METHODS as readonly string[]).includes(lower) && (s === lower || s === s.toUpperCase()) ? (lower as CrypterMethod) : undefined;
}

/** Where a worker finds the key of an encrypted backup: the method and the path of a key file on its host, never the key. */
export interface CrypterRef {
  method: CrypterMethod;
  /** Absolute path, on the worker's host, of a file holding the key as hex text (BR `--crypter.key-file`). */
  keyFile: string;
}
