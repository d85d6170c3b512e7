/**
 * Where a backup lives: a local folder or an S3 prefix, behind one small interface.
 * Names are relative to the backup root ("backupmeta", "1/2_3_…_write.sst").
 */
export interface BackupStorage {
  /** The location for logs and messages: never contains credentials. */
  readonly description: string;
  read(name: string): Promise<Uint8Array>;
  /** Bytes [start, end) of an object. */
  readRange(name: string, start: number, end: number): Promise<Uint8Array>;
  write(name: string, data: Uint8Array): Promise<void>;
  exists(name: string): Promise<boolean>;
  /** Names under a prefix (relative to the root), sorted. */
  list(prefix?: string): Promise<string[]>;
  size(name: string): Promise<number>;
}
