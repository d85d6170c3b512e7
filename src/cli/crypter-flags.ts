import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
import type { BackupCipher } from '../backup/cipher';
import { cipherFromHex, readCrypterKey } from '../backup/crypter-key';
import { CRYPTER_KEY_BYTES, CRYPTER_METHODS, parseCrypterMethod, type CrypterMethod, type CrypterRef } from '../plan/crypter-method';
import { BrflowError, ErrorType } from '../plan/error-types';

/** BR's crypter flags as commander stores them (the dotted names are kept as keys). */
export interface CrypterFlags {
  'crypter.method'?: string;
  'crypter.keyFile'?: string;
  'crypter.key'?: string;
}

const METHODS = CRYPTER_METHODS.join('|');

/** Adds BR's `--crypter.method` and `--crypter.key-file` (and, for commands that run here, `--crypter.key`). */
export function withCrypterFlags(cmd: Command, opts: { keyOnCommandLine: boolean }): Command {
  cmd
    .option('--crypter.method <method>', `encryption of the backup (BR --crypter.method): ${METHODS}`)
    .option('--crypter.key-file <path>', 'file holding the backup key as hex text (BR --crypter.key-file)');
  if (opts.keyOnCommandLine) cmd.option('--crypter.key <hex>', 'the backup key as hex (BR --crypter.key; prefer --crypter.key-file: a command line is visible to other users)');
  return cmd;
}

function methodOf(flags: CrypterFlags, needed: boolean): CrypterMethod | undefined {
  const raw = flags['crypter.method'];
  if (raw === undefined) {
    if (needed) throw new BrflowError(ErrorType.InvalidInput, `--crypter.method: required with the key; one of ${METHODS}`);
    return undefined;
  }
  const m = parseCrypterMethod(raw);
  if (!m) throw new BrflowError(ErrorType.InvalidInput, `--crypter.method: "${raw}" is not one of ${METHODS}`);
  return m;
}

/**
 * The key for commands that read the backup here (plan, verify-backup): from --crypter.key-file or
 * --crypter.key (exactly one, as BR), with --crypter.method. Undefined when no crypter flag is given.
 */
export async function cipherFromFlags(flags: CrypterFlags): Promise<BackupCipher | undefined> {
  const file = flags['crypter.keyFile'];
  const hex = flags['crypter.key'];
  if (file !== undefined && hex !== undefined) throw new BrflowError(ErrorType.InvalidInput, 'give exactly one of --crypter.key and --crypter.key-file');
  const method = methodOf(flags, file !== undefined || hex !== undefined);
  if (!method) return undefined;
  if (file !== undefined) return readCrypterKey({ method, keyFile: resolve(file) });
  if (hex !== undefined) return cipherFromHex(method, hex, '--crypter.key');
  throw new BrflowError(ErrorType.InvalidInput, '--crypter.method: give the key with --crypter.key-file (or --crypter.key)');
}

/**
 * The restore input's `crypter` from the flags: the method and a key-file path the workers read, never a key
 * (`brflow restore` has no --crypter.key: the input is stored in Temporal's history).
 */
export function crypterRefFromFlags(flags: CrypterFlags): CrypterRef | undefined {
  const file = flags['crypter.keyFile'];
  const method = methodOf(flags, file !== undefined);
  if (!method) return undefined;
  if (file === undefined) throw new BrflowError(ErrorType.InvalidInput, '--crypter.method: give --crypter.key-file, the path of the key file on the worker hosts');
  if (!isAbsolute(file)) throw new BrflowError(ErrorType.InvalidInput, `--crypter.key-file: "${file}" is relative; give the absolute path of the key file on the worker hosts`);
  return { method, keyFile: file };
}

/**
 * make-backup's key: read from `keyFile` when it exists, else a fresh random key of the method's length
 * written there (hex text and a newline, owner-only) so BR and brflow can read the backup with it.
 */
export async function makeBackupCipher(method: string, keyFile: string | undefined): Promise<{ cipher: BackupCipher; generated: boolean; keyFile: string }> {
  const m = parseCrypterMethod(method);
  if (!m) throw new BrflowError(ErrorType.InvalidInput, `--encrypt: "${method}" is not one of ${METHODS}`);
  if (keyFile === undefined) throw new BrflowError(ErrorType.InvalidInput, '--encrypt: give --key-file, where the key is read from (or written to, when the file does not exist)');
  const path = resolve(keyFile);
  const existing = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw new BrflowError(ErrorType.InvalidInput, `--key-file ${path}: cannot read it (${e.code ?? e.message})`);
  });
  if (existing !== undefined) return { cipher: cipherFromHex(m, existing, `key file ${path}`), generated: false, keyFile: path };
  const hex = randomBytes(CRYPTER_KEY_BYTES[m]).toString('hex');
  await writeFile(path, `${hex}\n`, { mode: 0o600, flag: 'wx' });
  return { cipher: cipherFromHex(m, hex, `key file ${path}`), generated: true, keyFile: path };
}
