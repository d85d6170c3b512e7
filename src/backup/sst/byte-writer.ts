/**
 * A growable little-endian byte buffer with RocksDB's integer encodings (varint32/64, fixed32/64).
 * Offsets and sizes stay below 2^53, so varint64 takes a number; fixed64 takes a bigint.
 */
export class ByteWriter {
  private buf: Uint8Array;
  length = 0;

  constructor(initialCapacity = 4096) {
    this.buf = new Uint8Array(initialCapacity);
  }

  private ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.length++] = b;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  /** Unsigned LEB128 of a non-negative integer below 2^53. */
  varint(v: number): void {
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.length++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.length++] = v;
  }

  fixed32(v: number): void {
    this.ensure(4);
    const b = this.buf;
    const o = this.length;
    b[o] = v & 0xff;
    b[o + 1] = (v >>> 8) & 0xff;
    b[o + 2] = (v >>> 16) & 0xff;
    b[o + 3] = (v >>> 24) & 0xff;
    this.length += 4;
  }

  fixed64(v: bigint): void {
    const x = BigInt.asUintN(64, v);
    this.fixed32(Number(x & 0xffffffffn));
    this.fixed32(Number(x >> 32n));
  }

  /** Fills with zero bytes up to `len` total. */
  padTo(len: number): void {
    this.ensure(len - this.length);
    this.buf.fill(0, this.length, len);
    this.length = len;
  }

  /** The written bytes (a view: copy if the writer is reused). */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  reset(): void {
    this.length = 0;
  }
}

/** Reads a varint (< 2^53) at `pos`; returns the value and the position after it, or undefined when malformed. */
export function readVarint(b: Uint8Array, pos: number, end = b.length): { value: number; next: number } | undefined {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 10 && pos < end; i++) {
    const byte = b[pos++] as number;
    result += (byte & 0x7f) * mul;
    if ((byte & 0x80) === 0) return result <= Number.MAX_SAFE_INTEGER ? { value: result, next: pos } : undefined;
    mul *= 0x80;
  }
  return undefined;
}

export function readFixed32(b: Uint8Array, pos: number): number {
  return ((b[pos] as number) | ((b[pos + 1] as number) << 8) | ((b[pos + 2] as number) << 16) | ((b[pos + 3] as number) << 24)) >>> 0;
}

export function readFixed64(b: Uint8Array, pos: number): bigint {
  return (BigInt(readFixed32(b, pos + 4)) << 32n) | BigInt(readFixed32(b, pos));
}
