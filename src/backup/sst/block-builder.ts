/**
 * RocksDB block builder (table/block_based/block_builder.cc): entries `varint32 shared, varint32 non_shared,
 * varint32 value_len, key_delta, value`, keys prefix-compressed against the previous key except at restart
 * points (every `restartInterval` entries), then `u32 restart_offset[N]`, `u32 N`. The data-block hash index is
 * not used, so the top bit of N stays 0.
 */

import { ByteWriter } from './byte-writer';

export class BlockBuilder {
  private readonly out = new ByteWriter(8192);
  private readonly restarts: number[] = [0];
  private counter = 0;
  private lastKey = new Uint8Array(256);
  private lastKeyLen = 0;
  private entries = 0;

  constructor(private readonly restartInterval: number) {}

  get isEmpty(): boolean {
    return this.entries === 0;
  }

  /** Size of the finished block if it were finished now (RocksDB CurrentSizeEstimate). */
  get sizeEstimate(): number {
    return this.out.length + this.restarts.length * 4 + 4;
  }

  /**
   * Estimated size after adding an entry of the given sizes, with RocksDB's exact (deliberately rough) formula
   * from BlockBuilder::EstimateSizeAfterKV: whole key and value, a new restart slot if due, 4 bytes for the shared
   * length, and the varint lengths of key and value. Matching it makes blocks end where RocksDB's would.
   */
  estimateSizeAfter(keyLen: number, valueLen: number): number {
    const restart = this.counter >= this.restartInterval ? 4 : 0;
    return this.sizeEstimate + keyLen + valueLen + restart + 4 + varintLength(keyLen) + varintLength(valueLen);
  }

  /**
   * Adds an entry whose key is `key ‖ keySuffix` (the suffix lets data blocks append the 8-byte internal-key
   * trailer without allocating a joined key). Keys must arrive in increasing order.
   */
  add(key: Uint8Array, value: Uint8Array, keySuffix?: Uint8Array): void {
    const suffixLen = keySuffix ? keySuffix.length : 0;
    const fullLen = key.length + suffixLen;
    let shared = 0;
    if (this.counter >= this.restartInterval) {
      this.restarts.push(this.out.length);
      this.counter = 0;
    } else {
      const last = this.lastKey;
      const limit = Math.min(this.lastKeyLen, fullLen);
      while (shared < limit) {
        const b = shared < key.length ? key[shared] : (keySuffix as Uint8Array)[shared - key.length];
        if (b !== last[shared]) break;
        shared++;
      }
    }
    const w = this.out;
    w.varint(shared);
    w.varint(fullLen - shared);
    w.varint(value.length);
    if (shared < key.length) {
      w.bytes(key.subarray(shared));
      if (keySuffix) w.bytes(keySuffix);
    } else if (keySuffix) {
      w.bytes(keySuffix.subarray(shared - key.length));
    }
    w.bytes(value);
    if (this.lastKey.length < fullLen) this.lastKey = new Uint8Array(Math.max(fullLen, this.lastKey.length * 2));
    this.lastKey.set(key, 0);
    if (keySuffix) this.lastKey.set(keySuffix, key.length);
    this.lastKeyLen = fullLen;
    this.counter++;
    this.entries++;
  }

  /** A copy of the last key added. */
  lastKeyCopy(): Uint8Array {
    return this.lastKey.slice(0, this.lastKeyLen);
  }

  /** Appends the restart array and returns the block bytes (a copy); the builder can then be reset. */
  finish(): Uint8Array {
    for (const r of this.restarts) this.out.fixed32(r);
    this.out.fixed32(this.restarts.length);
    return this.out.finish().slice();
  }

  reset(): void {
    this.out.reset();
    this.restarts.length = 1;
    this.restarts[0] = 0;
    this.counter = 0;
    this.lastKeyLen = 0;
    this.entries = 0;
  }
}

function varintLength(v: number): number {
  let n = 1;
  while (v >= 0x80) {
    v = Math.floor(v / 0x80);
    n++;
  }
  return n;
}
