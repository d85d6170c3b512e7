/**
 * CRC-64/XZ (Go's crc64.ECMA table, TiKV's crc64fast): reflected poly 0xC96C5795D7870F42, init and
 * xorout all ones. Incremental so the checksum can be seeded with a prefix like TiKV's checksum.rs.
 * TODO(simulator): use src/backup/crc64.ts once it lands, to keep one implementation.
 */
const POLY = 0xc96c5795d7870f42n;
const MASK = (1n << 64n) - 1n;

const TABLE: bigint[] = (() => {
  const t: bigint[] = [];
  for (let i = 0; i < 256; i++) {
    let c = BigInt(i);
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ POLY : c >> 1n;
    t.push(c);
  }
  return t;
})();

export class Crc64 {
  private crc = MASK;

  update(b: Uint8Array): this {
    let c = this.crc;
    for (const x of b) c = TABLE[Number((c ^ BigInt(x)) & 0xffn)]! ^ (c >> 8n);
    this.crc = c;
    return this;
  }

  digest(): bigint {
    return this.crc ^ MASK;
  }
}

export function crc64(...parts: Uint8Array[]): bigint {
  const c = new Crc64();
  for (const p of parts) c.update(p);
  return c.digest();
}
