import { createHash } from 'node:crypto';

/** Lower-case hex SHA-256, the form backupmeta checksums take in the Manifest. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
