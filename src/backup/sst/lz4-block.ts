/**
 * Raw LZ4 block format (no frame), as RocksDB stores LZ4/LZ4HC blocks after the varint32 length prefix.
 *
 * Written here rather than taken from lz4js: lz4js's `compressBlock` starts matches as close as 10 bytes to the
 * end of the input (a quarter of small low-entropy inputs in our check), which breaks the LZ4 block rules
 * (the last match must start ≥ 12 bytes before the end) that liblz4's decoder is entitled to rely on; and its
 * `decompressBlock` does no bounds checks on damaged input.
 */

const MIN_MATCH = 4;
/** The last match must start at least this many bytes before the end of the block. */
const MF_LIMIT = 12;
/** The last this-many bytes are always literals. */
const LAST_LITERALS = 5;
const HASH_BITS = 16;
const MAX_OFFSET = 65535;

const hashTable = new Int32Array(1 << HASH_BITS);

function read32(b: Uint8Array, i: number): number {
  return ((b[i] as number) | ((b[i + 1] as number) << 8) | ((b[i + 2] as number) << 16) | ((b[i + 3] as number) << 24)) >>> 0;
}

function writeLength(out: Uint8Array, op: number, len: number): number {
  while (len >= 255) {
    out[op++] = 255;
    len -= 255;
  }
  out[op++] = len;
  return op;
}

/** Worst-case compressed size of `n` input bytes (LZ4_compressBound). */
export function lz4CompressBound(n: number): number {
  return n + Math.floor(n / 255) + 16;
}

/** Compresses `src` into one raw LZ4 block (greedy single-probe matcher, like LZ4's fast mode). */
export function lz4CompressBlock(src: Uint8Array): Uint8Array {
  const n = src.length;
  const out = new Uint8Array(lz4CompressBound(n));
  let op = 0;
  let anchor = 0;
  if (n >= MF_LIMIT + 1) {
    hashTable.fill(-1);
    const lastMatchStart = n - MF_LIMIT;
    const matchLimit = n - LAST_LITERALS;
    let ip = 0;
    while (ip < lastMatchStart) {
      const seq = read32(src, ip);
      const h = Math.imul(seq, 2654435761) >>> (32 - HASH_BITS);
      const ref = hashTable[h] as number;
      hashTable[h] = ip;
      if (ref < 0 || ip - ref > MAX_OFFSET || read32(src, ref) !== seq) {
        // Skip faster through incompressible data, as LZ4's acceleration does.
        ip += 1 + ((ip - anchor) >>> 6);
        continue;
      }
      let ml = MIN_MATCH;
      while (ip + ml < matchLimit && src[ip + ml] === src[ref + ml]) ml++;
      const lit = ip - anchor;
      const tokenPos = op++;
      let token = (lit >= 15 ? 15 : lit) << 4;
      if (lit >= 15) op = writeLength(out, op, lit - 15);
      out.set(src.subarray(anchor, ip), op);
      op += lit;
      const off = ip - ref;
      out[op++] = off & 0xff;
      out[op++] = off >>> 8;
      const mlCode = ml - MIN_MATCH;
      token |= mlCode >= 15 ? 15 : mlCode;
      if (mlCode >= 15) op = writeLength(out, op, mlCode - 15);
      out[tokenPos] = token;
      ip += ml;
      anchor = ip;
    }
  }
  const lit = n - anchor;
  out[op++] = (lit >= 15 ? 15 : lit) << 4;
  if (lit >= 15) op = writeLength(out, op, lit - 15);
  out.set(src.subarray(anchor, n), op);
  op += lit;
  return out.slice(0, op);
}

/**
 * Decompresses one raw LZ4 block whose decompressed size is known (RocksDB stores it in front of the block).
 * Returns an error string instead of throwing so the caller can name the SST block.
 */
export function lz4DecompressBlock(src: Uint8Array, outLen: number): Uint8Array | string {
  const out = new Uint8Array(outLen);
  const n = src.length;
  let ip = 0;
  let op = 0;
  while (ip < n) {
    const token = src[ip++] as number;
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (ip >= n) return 'lz4: literal length runs past the input';
        b = src[ip++] as number;
        lit += b;
      } while (b === 255);
    }
    if (ip + lit > n) return 'lz4: literals run past the input';
    if (op + lit > outLen) return 'lz4: literals overflow the declared size';
    out.set(src.subarray(ip, ip + lit), op);
    ip += lit;
    op += lit;
    if (ip >= n) break;
    if (ip + 2 > n) return 'lz4: match offset truncated';
    const off = (src[ip] as number) | ((src[ip + 1] as number) << 8);
    ip += 2;
    if (off === 0 || off > op) return `lz4: match offset ${off} outside the output`;
    let ml = token & 15;
    if (ml === 15) {
      let b: number;
      do {
        if (ip >= n) return 'lz4: match length runs past the input';
        b = src[ip++] as number;
        ml += b;
      } while (b === 255);
    }
    ml += MIN_MATCH;
    if (op + ml > outLen) return 'lz4: match overflows the declared size';
    let from = op - off;
    if (off >= ml) {
      out.copyWithin(op, from, from + ml);
      op += ml;
    } else {
      // Overlapping copy repeats the last `off` bytes; must go byte by byte.
      for (let k = 0; k < ml; k++) out[op++] = out[from++] as number;
    }
  }
  if (op !== outLen) return `lz4: decompressed ${op} bytes, expected ${outLen}`;
  return out;
}
