/**
 * CRC-64/XZ (a.k.a. GO-ECMA): ECMA-182 polynomial, reflected, init and xorout all ones. This is what TiKV's
 * `crc64fast::Digest` and Go's `crc64.New(crc64.MakeTable(crc64.ECMA))` compute, and therefore what backup files
 * (`File.crc64xor`), table schemas (`Schema.crc64xor`) and the coprocessor checksum carry.
 *
 * The 64-bit state is kept as two u32 halves in hot loops: per-byte BigInt arithmetic is ~50× slower and a
 * 100k-file backup hashes every KV it restores. BigInt appears only at the API edge.
 */

/** Reflected ECMA-182 polynomial 0xC96C5795D7870F42 as two halves. */
const POLY_HI = 0xc96c5795;
const POLY_LO = 0xd7870f42;

/** Slicing-by-8 tables: TABLE_HI/LO[k*256 + b] is the CRC of byte b followed by k zero bytes. */
const TABLE_HI = new Uint32Array(8 * 256);
const TABLE_LO = new Uint32Array(8 * 256);

(function buildTables(): void {
  for (let b = 0; b < 256; b++) {
    let hi = 0;
    let lo = b;
    for (let i = 0; i < 8; i++) {
      const lsb = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (lsb) {
        hi = (hi ^ POLY_HI) >>> 0;
        lo = (lo ^ POLY_LO) >>> 0;
      }
    }
    TABLE_HI[b] = hi;
    TABLE_LO[b] = lo;
  }
  for (let k = 1; k < 8; k++) {
    for (let b = 0; b < 256; b++) {
      const prevHi = TABLE_HI[(k - 1) * 256 + b] as number;
      const prevLo = TABLE_LO[(k - 1) * 256 + b] as number;
      const idx = prevLo & 0xff;
      TABLE_HI[k * 256 + b] = ((prevHi >>> 8) ^ (TABLE_HI[idx] as number)) >>> 0;
      TABLE_LO[k * 256 + b] = (((prevLo >>> 8) | (prevHi << 24)) ^ (TABLE_LO[idx] as number)) >>> 0;
    }
  }
})();

/**
 * Raw (un-inverted) CRC-64 register as two u32 halves. `hi`/`lo` are mutated by {@link crc64UpdateState}.
 * @private exported for {@link KvChecksum} and the coprocessor checksum, which chain several slices.
 */
export interface Crc64State {
  hi: number;
  lo: number;
}

/** A fresh register (init = all ones). */
export function crc64InitState(): Crc64State {
  return { hi: 0xffffffff, lo: 0xffffffff };
}

/** Feeds `data` into the register (no final xor). */
export function crc64UpdateState(state: Crc64State, data: Uint8Array): void {
  let hi = state.hi;
  let lo = state.lo;
  let i = 0;
  const n = data.length;
  const T_HI = TABLE_HI;
  const T_LO = TABLE_LO;
  // Slicing-by-8: fold 8 input bytes into the register with 8 table lookups per half.
  while (n - i >= 8) {
    const l = (lo ^ ((data[i] as number) | ((data[i + 1] as number) << 8) | ((data[i + 2] as number) << 16) | ((data[i + 3] as number) << 24))) >>> 0;
    const h = (hi ^ ((data[i + 4] as number) | ((data[i + 5] as number) << 8) | ((data[i + 6] as number) << 16) | ((data[i + 7] as number) << 24))) >>> 0;
    const i7 = 7 * 256 + (l & 0xff);
    const i6 = 6 * 256 + ((l >>> 8) & 0xff);
    const i5 = 5 * 256 + ((l >>> 16) & 0xff);
    const i4 = 4 * 256 + (l >>> 24);
    const i3 = 3 * 256 + (h & 0xff);
    const i2 = 2 * 256 + ((h >>> 8) & 0xff);
    const i1 = 256 + ((h >>> 16) & 0xff);
    const i0 = h >>> 24;
    hi = ((T_HI[i7] as number) ^ (T_HI[i6] as number) ^ (T_HI[i5] as number) ^ (T_HI[i4] as number) ^ (T_HI[i3] as number) ^ (T_HI[i2] as number) ^ (T_HI[i1] as number) ^ (T_HI[i0] as number)) >>> 0;
    lo = ((T_LO[i7] as number) ^ (T_LO[i6] as number) ^ (T_LO[i5] as number) ^ (T_LO[i4] as number) ^ (T_LO[i3] as number) ^ (T_LO[i2] as number) ^ (T_LO[i1] as number) ^ (T_LO[i0] as number)) >>> 0;
    i += 8;
  }
  for (; i < n; i++) {
    const idx = (lo ^ (data[i] as number)) & 0xff;
    lo = (((lo >>> 8) | (hi << 24)) ^ (T_LO[idx] as number)) >>> 0;
    hi = ((hi >>> 8) ^ (T_HI[idx] as number)) >>> 0;
  }
  state.hi = hi;
  state.lo = lo;
}

/** The finished CRC of a register (xorout all ones). */
export function crc64StateValue(state: Crc64State): bigint {
  return (BigInt((~state.hi) >>> 0) << 32n) | BigInt((~state.lo) >>> 0);
}

/** A register that continues from a finished CRC value, so crc64(b, crc64(a)) === crc64(a ‖ b). */
export function crc64StateFrom(seed: bigint): Crc64State {
  const v = BigInt.asUintN(64, seed);
  return { hi: ~Number(v >> 32n) >>> 0, lo: ~Number(v & 0xffffffffn) >>> 0 };
}

/**
 * CRC-64/XZ of `data`. With `seed` (a previous result) it continues that CRC, the way Go's `crc64.Update` and
 * TiKV's cloned `Digest` do: `crc64(v, crc64(k, crc64(oldPrefix)))` is the coprocessor checksum digest of one KV.
 */
export function crc64(data: Uint8Array, seed?: bigint): bigint {
  const s = seed === undefined ? crc64InitState() : crc64StateFrom(seed);
  crc64UpdateState(s, data);
  return crc64StateValue(s);
}

/** Prefix rewrite of the coprocessor checksum (tipb.ChecksumRewriteRule). Keys are raw TiDB keys. */
export interface ChecksumRewriteRule {
  oldPrefix: Uint8Array;
  newPrefix: Uint8Array;
}

/**
 * The KV checksum TiKV computes for backup files and the coprocessor `Crc64_Xor` algorithm: XOR of per-KV
 * CRC-64 digests, count of KVs and sum of key+value lengths. 64-bit results are bigint; counters are kept as
 * numbers internally (exact below 2^53, far beyond any table) to keep `update` free of BigInt.
 */
export class KvChecksum {
  private xorHi = 0;
  private xorLo = 0;
  private kvs = 0;
  private bytes = 0;
  private readonly state: Crc64State = { hi: 0, lo: 0 };

  /**
   * Adds one KV (raw key, row value). With `rule`, the key must start with `rule.newPrefix`, and the digest is
   * taken over oldPrefix ‖ key[newPrefix.length..] ‖ value, and the byte count adjusted by the prefix lengths,
   * exactly as TiKV's checksum.rs does, so a restored table checksums like its backup.
   */
  update(key: Uint8Array, value: Uint8Array, rule?: ChecksumRewriteRule): void {
    const s = this.state;
    s.hi = 0xffffffff;
    s.lo = 0xffffffff;
    if (rule) {
      const np = rule.newPrefix;
      if (key.length < np.length || !prefixMatches(key, np)) {
        throw new Error(`checksum: key does not start with the rewrite rule's new prefix (${np.length} bytes)`);
      }
      crc64UpdateState(s, rule.oldPrefix);
      crc64UpdateState(s, key.subarray(np.length));
      this.bytes += key.length + value.length + rule.oldPrefix.length - np.length;
    } else {
      crc64UpdateState(s, key);
      this.bytes += key.length + value.length;
    }
    crc64UpdateState(s, value);
    this.xorHi = (this.xorHi ^ ~s.hi) >>> 0;
    this.xorLo = (this.xorLo ^ ~s.lo) >>> 0;
    this.kvs += 1;
  }

  /** Folds another accumulator in (XOR the CRCs, add the counters): files → table, regions → request. */
  merge(other: KvChecksum): void {
    this.xorHi = (this.xorHi ^ other.xorHi) >>> 0;
    this.xorLo = (this.xorLo ^ other.xorLo) >>> 0;
    this.kvs += other.kvs;
    this.bytes += other.bytes;
  }

  get crc64xor(): bigint {
    return (BigInt(this.xorHi) << 32n) | BigInt(this.xorLo);
  }

  get totalKvs(): bigint {
    return BigInt(this.kvs);
  }

  get totalBytes(): bigint {
    return BigInt(this.bytes);
  }
}

function prefixMatches(key: Uint8Array, prefix: Uint8Array): boolean {
  for (let i = 0; i < prefix.length; i++) if (key[i] !== prefix[i]) return false;
  return true;
}
