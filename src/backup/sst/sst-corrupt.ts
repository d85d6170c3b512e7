import { BrflowError, ErrorType } from '../../plan/error-types';

/**
 * The error every SST integrity failure becomes: catalog type SstCorrupt, a message naming the file (when known),
 * the place and the failed check, and what the operator can do.
 */
export function sstCorrupt(file: string | undefined, detail: string): BrflowError {
  const where = file ? `SST ${file}` : 'SST';
  return new BrflowError(ErrorType.SstCorrupt, `${where} is corrupt: ${detail}; the file is damaged or truncated, restore from an intact copy of the backup`);
}
