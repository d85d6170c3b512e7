/**
 * A minimal RocksDB block-based SST writer for simulator tests (formats §2.2: format_version 2,
 * CRC32C trailers, uncompressed blocks, one data block, no filter), so Download can be exercised
 * with real SST bytes. It is test support only; the product's writer lives in src/backup.
 */

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

function crc32c(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC32C_TABLE[(c ^ x) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function masked(c: number): number {
  return ((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function u32le(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

/** A block with restart interval 1 (every entry a restart point, no shared prefixes). */
function block(entries: { key: Uint8Array; value: Uint8Array }[]): Uint8Array {
  const bytes: number[] = [];
  const restarts: number[] = [];
  for (const e of entries) {
    restarts.push(bytes.length);
    bytes.push(...varint(0), ...varint(e.key.length), ...varint(e.value.length), ...e.key, ...e.value);
  }
  if (restarts.length === 0) restarts.push(0);
  for (const r of restarts) bytes.push(...u32le(r));
  bytes.push(...u32le(restarts.length));
  return new Uint8Array(bytes);
}

/** Internal key: user key ‖ u64 LE (seqno 0 << 8 | type 1 = Put), as SstFileWriter writes. */
function internalKey(userKey: Uint8Array): Uint8Array {
  const out = new Uint8Array(userKey.length + 8);
  out.set(userKey);
  out[userKey.length] = 1;
  return out;
}

/** SST bytes holding the given (user key, value) pairs; keys must be sorted and distinct. */
export function buildSst(kvs: { key: Uint8Array; value: Uint8Array }[]): Uint8Array {
  const out: number[] = [];
  const put = (blk: Uint8Array): { offset: number; size: number } => {
    const offset = out.length;
    out.push(...blk, 0);
    const withType = new Uint8Array(blk.length + 1);
    withType.set(blk);
    out.push(...u32le(masked(crc32c(withType))));
    return { offset, size: blk.length };
  };
  const handle = (h: { offset: number; size: number }) => new Uint8Array([...varint(h.offset), ...varint(h.size)]);
  const ikeys = kvs.map((kv) => ({ key: internalKey(kv.key), value: kv.value }));
  const data = put(block(ikeys));
  const lastKey = ikeys.length > 0 ? ikeys[ikeys.length - 1]!.key : internalKey(new Uint8Array(0));
  const enc = (s: string) => new TextEncoder().encode(s);
  const props = put(
    block([
      { key: enc('rocksdb.comparator'), value: enc('leveldb.BytewiseComparator') },
      { key: enc('rocksdb.num.data.blocks'), value: new Uint8Array(varint(1)) },
      { key: enc('rocksdb.num.entries'), value: new Uint8Array(varint(kvs.length)) },
    ]),
  );
  const meta = put(block([{ key: enc('rocksdb.properties'), value: handle(props) }]));
  const index = put(block([{ key: lastKey, value: handle(data) }]));
  const footer: number[] = [1, ...handle(meta), ...handle(index)];
  while (footer.length < 41) footer.push(0);
  footer.push(...u32le(2), 0xf7, 0xcf, 0xf4, 0x85, 0xb7, 0x41, 0xe2, 0x88);
  out.push(...footer);
  return new Uint8Array(out);
}
