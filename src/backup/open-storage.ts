import { LocalStorage } from './local-storage';
import { S3Storage } from './s3-storage';
import type { BackupStorage } from './storage';
import { parseStorageUrl, type StorageSpec } from './storage-url';

/**
 * Opens the backup location an operator gave (`--storage`): a folder path, local://, file:// or
 * s3://bucket/prefix?endpoint=…. S3 credentials come from the AWS environment of this process.
 *
 * @throws BrflowError(InvalidStorageUrl) when the URL is not one of those forms.
 */
export function openStorage(url: string): BackupStorage {
  return openStorageSpec(parseStorageUrl(url));
}

/** Opens an already parsed location. */
export function openStorageSpec(spec: StorageSpec): BackupStorage {
  return spec.kind === 'local' ? new LocalStorage(spec.path) : new S3Storage(spec);
}
