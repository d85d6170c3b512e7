import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { BrflowError, ErrorType } from '../plan/error-types';
import { checkObjectName, checkRange, rangeBeyondEnd } from './object-name';
import type { BackupStorage } from './storage';

/** A backup folder on the local file system (or any mounted one, like NFS in BR's docs). */
export class LocalStorage implements BackupStorage {
  readonly root: string;
  readonly description: string;

  /** @param root folder path; relative paths resolve against the current directory. */
  constructor(root: string) {
    this.root = resolve(root);
    this.description = `local://${this.root}`;
  }

  async read(name: string): Promise<Uint8Array> {
    const path = this.path(name);
    try {
      return await readFile(path);
    } catch (e) {
      throw this.error(e, name);
    }
  }

  async readRange(name: string, start: number, end: number): Promise<Uint8Array> {
    checkRange(name, start, end, this.description);
    const path = this.path(name);
    let handle;
    try {
      handle = await open(path, 'r');
    } catch (e) {
      throw this.error(e, name);
    }
    try {
      const size = (await handle.stat()).size;
      if (end > size) throw rangeBeyondEnd(name, start, end, size, this.description);
      const buf = Buffer.alloc(end - start);
      let done = 0;
      // read() may return fewer bytes than asked; loop until the range is filled.
      while (done < buf.length) {
        const { bytesRead } = await handle.read(buf, done, buf.length - done, start + done);
        if (bytesRead === 0) throw rangeBeyondEnd(name, start, end, start + done, this.description);
        done += bytesRead;
      }
      return buf;
    } catch (e) {
      throw this.error(e, name);
    } finally {
      await handle.close();
    }
  }

  /** Writes atomically (temp file + rename), so a reader never sees half an object. */
  async write(name: string, data: Uint8Array): Promise<void> {
    const path = this.path(name);
    const tmp = `${path}.tmp-${randomBytes(6).toString('hex')}`;
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(tmp, data);
      await rename(tmp, path);
    } catch (e) {
      await rm(tmp, { force: true });
      throw this.error(e, name);
    }
  }

  async exists(name: string): Promise<boolean> {
    try {
      return (await stat(this.path(name))).isFile();
    } catch (e) {
      if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return false;
      throw this.error(e, name);
    }
  }

  async list(prefix = ''): Promise<string[]> {
    let entries;
    try {
      entries = await readdir(this.root, { recursive: true, withFileTypes: true });
    } catch (e) {
      if (errnoCode(e) === 'ENOENT') return [];
      throw this.error(e, prefix);
    }
    const names: string[] = [];
    for (const entry of entries) {
      if (!entry.isFile()) continue;
      const name = relative(this.root, join(entry.parentPath, entry.name)).split(sep).join('/');
      if (name.startsWith(prefix)) names.push(name);
    }
    return names.sort();
  }

  async size(name: string): Promise<number> {
    try {
      const s = await stat(this.path(name));
      if (!s.isFile()) throw Object.assign(new Error('not a file'), { code: 'ENOENT' });
      return s.size;
    } catch (e) {
      throw this.error(e, name);
    }
  }

  private path(name: string): string {
    return join(this.root, checkObjectName(name, this.description));
  }

  private error(e: unknown, name: string): Error {
    if (e instanceof BrflowError) return e;
    const code = errnoCode(e);
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') {
      return new BrflowError(ErrorType.StorageNotFound, `object ${name} not found in ${this.description}`);
    }
    if (code === 'EACCES' || code === 'EPERM') {
      return new BrflowError(ErrorType.InvalidInput,
        `permission denied on ${name} in ${this.description}: give the brflow worker read access to the backup folder`);
    }
    return new BrflowError(ErrorType.StorageUnavailable,
      `cannot access ${name} in ${this.description}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function errnoCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
