import { resolve } from 'node:path';
import { BrflowError, ErrorType } from '../plan/error-types';
import { StorageBackend } from '../proto/brpb';
import { LocalStorage } from './local-storage';
import { S3Storage, type S3StaticCredentials } from './s3-storage';
import type { BackupStorage } from './storage';
import { parseStorageUrl, type S3StorageSpec } from './storage-url';

/**
 * The StorageBackend a DownloadRequest carries: where TiKV itself fetches the SST from.
 * It never carries credentials (BR's --send-credentials-to-tikv=false behaviour): each TiKV reads
 * the backup with its own environment, so no secret travels over gRPC or lands in workflow history.
 * A local path is made absolute, because TiKV runs in another working directory.
 */
export function toStorageBackend(url: string): StorageBackend {
  const spec = parseStorageUrl(url);
  if (spec.kind === 'local') return { local: { path: resolve(spec.path) } };
  // fromPartial fills every other S3 field (credentials included) with its empty default.
  return StorageBackend.fromPartial({
    s3: {
      endpoint: spec.endpoint ?? '',
      region: spec.region ?? '',
      bucket: spec.bucket,
      prefix: spec.prefix,
      forcePathStyle: spec.forcePathStyle,
    },
  });
}

/**
 * Opens the storage a StorageBackend names, as a TiKV does when it serves Download: credentials
 * from this process's AWS environment, or from the backend when a real BR sent them along.
 *
 * @throws BrflowError(InvalidInput) for backends brflow cannot read (noop, or none set).
 */
export function openStorageFromBackend(backend: StorageBackend): BackupStorage {
  if (backend.local) {
    if (backend.local.path === '') throw new BrflowError(ErrorType.InvalidInput, 'storage backend "local" has an empty path');
    return new LocalStorage(backend.local.path);
  }
  if (backend.s3) {
    const s3 = backend.s3;
    const spec: S3StorageSpec = {
      kind: 's3',
      bucket: s3.bucket,
      prefix: s3.prefix.replace(/^\/+|\/+$/g, ''),
      forcePathStyle: s3.forcePathStyle,
    };
    if (s3.endpoint !== '') spec.endpoint = s3.endpoint.replace(/\/+$/, '');
    if (s3.region !== '') spec.region = s3.region;
    let credentials: S3StaticCredentials | undefined;
    if (s3.accessKey !== '' && s3.secretAccessKey !== '') {
      credentials = { accessKeyId: s3.accessKey, secretAccessKey: s3.secretAccessKey };
      if (s3.sessionToken !== '') credentials.sessionToken = s3.sessionToken;
    }
    return new S3Storage(spec, credentials);
  }
  const kind = backend.noop ? 'noop' : 'empty';
  throw new BrflowError(ErrorType.InvalidInput,
    `storage backend is ${kind}: a download needs a local or s3 backend (gcs, azure and hdfs are not supported)`);
}
