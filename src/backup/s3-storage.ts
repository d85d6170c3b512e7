import {
  GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { BrflowError, ErrorType } from '../plan/error-types';
import { checkObjectName, checkRange, rangeBeyondEnd } from './object-name';
import type { BackupStorage } from './storage';
import { formatStorageSpec, type S3StorageSpec } from './storage-url';

/** BR's S3 retryer makes 7 retries (`maxRetries` in br/pkg/storage/s3.go): 8 attempts in all. */
export const S3_MAX_ATTEMPTS = 8;
/** Per attempt: TCP/TLS connect. */
export const S3_CONNECT_TIMEOUT_MS = 5_000;
/** Per attempt: the whole request and response body (an SST is at most ~144 MiB). */
export const S3_ATTEMPT_TIMEOUT_MS = 120_000;
/** Per call, all attempts and backoff included: the deadline after which the call fails. */
export const S3_CALL_DEADLINE_MS = 600_000;
/** BR's default region when none is given (br/pkg/storage/s3.go). */
export const S3_DEFAULT_REGION = 'us-east-1';

/** Static credentials for a TiKV-side reader given them in a StorageBackend; brflow itself never builds these. */
export interface S3StaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * A backup under an S3 prefix. Credentials come from the AWS SDK's default chain (environment,
 * profile, instance role), never from the URL. Checksums are only sent/validated when S3 requires
 * them: S3-compatible servers reject the SDK's default aws-chunked CRC32 trailers.
 */
export class S3Storage implements BackupStorage {
  readonly description: string;
  private readonly client: S3Client;
  private readonly base: string;

  constructor(readonly spec: S3StorageSpec, credentials?: S3StaticCredentials) {
    this.description = formatStorageSpec(spec);
    this.base = spec.prefix === '' ? '' : `${spec.prefix}/`;
    const config: S3ClientConfig = {
      region: spec.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? S3_DEFAULT_REGION,
      forcePathStyle: spec.forcePathStyle,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: S3_MAX_ATTEMPTS,
      requestHandler: {
        connectionTimeout: S3_CONNECT_TIMEOUT_MS,
        requestTimeout: S3_ATTEMPT_TIMEOUT_MS,
        throwOnRequestTimeout: true,
      },
    };
    if (spec.endpoint !== undefined) config.endpoint = spec.endpoint;
    if (credentials) config.credentials = credentials;
    this.client = new S3Client(config);
  }

  async read(name: string): Promise<Uint8Array> {
    const key = this.key(name);
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.spec.bucket, Key: key }), deadline());
      return await bodyBytes(out.Body, name);
    } catch (e) {
      throw this.error(e, name);
    }
  }

  async readRange(name: string, start: number, end: number): Promise<Uint8Array> {
    checkRange(name, start, end, this.description);
    const key = this.key(name);
    if (start === end) return new Uint8Array(0);
    let bytes: Uint8Array;
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.spec.bucket, Key: key, Range: `bytes=${start}-${end - 1}` }), deadline());
      bytes = await bodyBytes(out.Body, name);
    } catch (e) {
      if (errorName(e) === 'InvalidRange') throw rangeBeyondEnd(name, start, end, await this.size(name), this.description);
      throw this.error(e, name);
    }
    // S3 clamps a range that runs past the end; the caller asked for exact bytes.
    if (bytes.length !== end - start) throw rangeBeyondEnd(name, start, end, start + bytes.length, this.description);
    return bytes;
  }

  async write(name: string, data: Uint8Array): Promise<void> {
    const key = this.key(name);
    try {
      await this.client.send(new PutObjectCommand({ Bucket: this.spec.bucket, Key: key, Body: data }), deadline());
    } catch (e) {
      throw this.error(e, name);
    }
  }

  async exists(name: string): Promise<boolean> {
    const key = this.key(name);
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.spec.bucket, Key: key }), deadline());
      return true;
    } catch (e) {
      // HEAD answers have no body, so a missing bucket also reads as 404 here.
      if (isNotFound(e)) return false;
      throw this.error(e, name);
    }
  }

  async list(prefix = ''): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    try {
      do {
        const out = await this.client.send(new ListObjectsV2Command({
          Bucket: this.spec.bucket, Prefix: this.base + prefix, ContinuationToken: token,
        }), deadline());
        for (const o of out.Contents ?? []) {
          if (o.Key !== undefined && o.Key.startsWith(this.base)) names.push(o.Key.slice(this.base.length));
        }
        token = out.IsTruncated ? out.NextContinuationToken : undefined;
      } while (token !== undefined);
    } catch (e) {
      throw this.error(e, prefix === '' ? '(listing)' : `${prefix}*`);
    }
    return names.sort();
  }

  async size(name: string): Promise<number> {
    const key = this.key(name);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.spec.bucket, Key: key }), deadline());
      return out.ContentLength ?? 0;
    } catch (e) {
      throw this.error(e, name);
    }
  }

  /** Releases the HTTP connection pool. */
  close(): void {
    this.client.destroy();
  }

  private key(name: string): string {
    return this.base + checkObjectName(name, this.description);
  }

  /** Maps an SDK failure (after the SDK's own retries) onto the error catalog. */
  private error(e: unknown, name: string): Error {
    if (e instanceof BrflowError) return e;
    const code = errorName(e);
    const status = (e as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
    if (code === 'NoSuchBucket') {
      return new BrflowError(ErrorType.StorageNotFound, `bucket ${this.spec.bucket} does not exist (${this.description})`);
    }
    if (isNotFound(e)) {
      return new BrflowError(ErrorType.StorageNotFound, `object ${name} not found in ${this.description}`);
    }
    if (code === 'CredentialsProviderError') {
      return new BrflowError(ErrorType.InvalidInput,
        `no AWS credentials to read ${this.description}: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE or an instance role`);
    }
    if (code === 'AccessDenied' || code === 'InvalidAccessKeyId' || code === 'SignatureDoesNotMatch' || status === 403) {
      return new BrflowError(ErrorType.InvalidInput,
        `access to ${name} in ${this.description} was denied (${code ?? status}): check the AWS credentials of the brflow worker`);
    }
    const why = e instanceof Error ? `${code ?? e.name}: ${e.message}` : String(e);
    return new BrflowError(ErrorType.StorageUnavailable,
      `${this.description} did not answer for ${name} after ${S3_MAX_ATTEMPTS} attempts or ${S3_CALL_DEADLINE_MS / 1000} s (${why})`);
  }
}

function deadline(): { abortSignal: AbortSignal } {
  return { abortSignal: AbortSignal.timeout(S3_CALL_DEADLINE_MS) };
}

function isNotFound(e: unknown): boolean {
  const code = errorName(e);
  return code === 'NoSuchKey' || code === 'NotFound' || (e as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode === 404;
}

function errorName(e: unknown): string | undefined {
  const n = (e as { name?: unknown } | null)?.name;
  return typeof n === 'string' ? n : undefined;
}

async function bodyBytes(body: unknown, name: string): Promise<Uint8Array> {
  const b = body as { transformToByteArray?: () => Promise<Uint8Array> } | undefined;
  if (!b?.transformToByteArray) throw new BrflowError(ErrorType.StorageUnavailable, `S3 returned no body for ${name}`);
  return b.transformToByteArray();
}
