import { BrflowError, ErrorType } from '../plan/error-types';

/**
 * Checks an object name relative to a backup root: '/'-separated, no empty, '.' or '..' segment.
 * Names come from backupmeta, which an attacker could craft; this keeps every read inside the root.
 */
export function checkObjectName(name: string, where: string): string {
  const bad = name === '' || name.startsWith('/') || name.includes('\\') || name.includes('\0') ||
    name.split('/').some((s) => s === '' || s === '.' || s === '..');
  if (bad) {
    throw new BrflowError(ErrorType.InvalidInput,
      `object name ${JSON.stringify(name)} in ${where} is not a plain relative path (no leading "/", "." or ".." segments)`);
  }
  return name;
}

/** Validates a [start, end) byte range request. */
export function checkRange(name: string, start: number, end: number, where: string): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
    throw new BrflowError(ErrorType.InvalidInput, `invalid byte range [${start}, ${end}) for ${name} in ${where}`);
  }
}

/** The error for a range that runs past the end of an object: the object is shorter than its metadata says. */
export function rangeBeyondEnd(name: string, start: number, end: number, size: number, where: string): BrflowError {
  return new BrflowError(ErrorType.SstCorrupt,
    `object ${name} in ${where} has ${size} bytes but bytes [${start}, ${end}) were requested: the object is truncated or its metadata is wrong`);
}
