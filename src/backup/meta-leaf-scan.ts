import { BrflowError, ErrorType } from '../plan/error-types';
import type { BackupFile } from './manifest';

/**
 * Streaming reads of a meta v2 leaf MetaFile, straight from its bytes into what the Manifest keeps.
 *
 * Why not MetaFile.decode: a leaf of a 100,000-file backup decodes into 100,000 File messages, each with four
 * copied Buffers, four empty default Buffers and six BigInts, all alive at once next to the Manifest being
 * built from them; for the schema leaf, a copy of every table's JSON. That garbage, not the Manifest, set the
 * plan activity's peak memory. Here each entry becomes its final form as it is met: hex and decimal strings
 * cut from the leaf's bytes, schema JSON handed over as a view of them.
 *
 * Field numbers and wire types are kvproto brpb.proto's (MetaFile: meta_files 1, data_files 2, schemas 3,
 * raw_ranges 4, ddls 5; File: name 1, sha256 2, start_key 3, end_key 4, start_version 5, end_version 6,
 * crc64xor 7, total_kvs 8, total_bytes 9, cf 10, size 11, cipher_iv 12; Schema: db 1, table 2, crc64xor 3,
 * total_kvs 4, total_bytes 5, tiflash_replicas 6), the same as src/proto/brpb.ts decodes. As there, a field
 * met with another wire type than its own is skipped like an unknown one.
 */

/** MetaFile fields a reader walks. */
export const META_FILE_FIELD = { metaFiles: 1, dataFiles: 2, schemas: 3, rawRanges: 4, ddls: 5 } as const;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

/** A Schema entry of a leaf: its JSON as views of the leaf's bytes (valid while the leaf is), counters as decimal strings. */
export interface LeafSchema {
  db: Uint8Array;
  table: Uint8Array;
  crc64xor: string;
  totalKvs: string;
  totalBytes: string;
  tiflashReplicas: number;
}

/** Reads protobuf wire format over one Buffer; offsets are absolute. Throws a plain Error on malformed input. */
class WireReader {
  pos: number;

  constructor(readonly buf: Buffer, start: number, readonly end: number) {
    this.pos = start;
  }

  /** A varint of at most 32 significant bits (tags, lengths, uint32 fields), as a non-negative number. */
  uint32(): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result >>> 0;
    }
    // Longer encodings (a negative int32 sign-extended to 10 bytes) keep their low 32 bits.
    for (let i = 0; i < 5; i++) if (this.byte() < 0x80) return result >>> 0;
    throw new Error('varint longer than 10 bytes');
  }

  /** A uint64 varint as its decimal string; exact for every 64-bit value, without BigInt. */
  uint64Decimal(): string {
    // Bytes 0–3 fill bits 0–27 of the low half, byte 4 straddles bit 32, bytes 5–9 fill the high half.
    let lo = 0;
    let b = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      b = this.byte();
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) return String(lo);
    }
    b = this.byte();
    lo = (lo | ((b & 0x0f) << 28)) >>> 0;
    let hi = (b & 0x7f) >> 4;
    if (b < 0x80) return String(hi * 2 ** 32 + lo);
    for (let shift = 3; shift < 32; shift += 7) {
      b = this.byte();
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) return decimalOf(hi >>> 0, lo);
    }
    throw new Error('varint longer than 10 bytes');
  }

  /** [start, end) of a length-delimited field's payload, moving past it. */
  lengthDelimited(): [number, number] {
    const len = this.uint32();
    const start = this.pos;
    if (start + len > this.end) throw new Error(`a field of ${len} bytes runs past the end of its message`);
    this.pos = start + len;
    return [start, start + len];
  }

  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        while (this.byte() >= 0x80) { /* next byte */ }
        return;
      case WIRE_FIXED64:
        this.advance(8);
        return;
      case WIRE_LEN:
        this.lengthDelimited();
        return;
      case WIRE_FIXED32:
        this.advance(4);
        return;
      default:
        throw new Error(`wire type ${wire} is not one BR writes`);
    }
  }

  private advance(n: number): void {
    if (this.pos + n > this.end) throw new Error('a fixed-width field runs past the end of its message');
    this.pos += n;
  }

  private byte(): number {
    if (this.pos >= this.end) throw new Error('message ends inside a varint');
    return this.buf[this.pos++]!;
  }
}

/**
 * Decimal text of hi·2^32 + lo. Below 2^53 a double holds it exactly; above, it is built in base 10^8 from
 * 16-bit chunks (every intermediate below 2^53), as BigInt per value was most of a large leaf's decoding time.
 */
function decimalOf(hi: number, lo: number): string {
  if (hi < 2 ** 21) return String(hi * 2 ** 32 + lo);
  let upper = 0;
  let lower = 0;
  for (const chunk of [hi >>> 16, hi & 0xffff, lo >>> 16, lo & 0xffff]) {
    lower = lower * 0x10000 + chunk;
    const carry = Math.floor(lower / 1e8);
    lower -= carry * 1e8;
    upper = upper * 0x10000 + carry;
  }
  if (upper === 0) return String(lower);
  // join, not +: a + of 13 or more characters makes a two-part cons string, and these stay for the whole restore.
  return [String(upper), String(lower).padStart(8, '0')].join('');
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Calls `visit(start, end)` for each top-level length-delimited field `field` of a MetaFile, in stored order. */
function forEachEntry(buf: Buffer, where: string, field: number, visit: (start: number, end: number) => void): void {
  const r = new WireReader(buf, 0, buf.length);
  try {
    while (r.pos < r.end) {
      const tag = r.uint32();
      if (tag >>> 3 === field && (tag & 7) === WIRE_LEN) {
        const [start, end] = r.lengthDelimited();
        visit(start, end);
      } else {
        r.skip(tag & 7);
      }
    }
  } catch (e) {
    if (e instanceof BrflowError) throw e;
    throw corrupt(`${where} is not a MetaFile protobuf (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** Whether a MetaFile's bytes hold any meta_files entry: an index node rather than a leaf (BR's walkLeafMetaFile test). */
export function hasMetaFileEntries(bytes: Uint8Array, where: string): boolean {
  let found = false;
  forEachEntry(asBuffer(bytes), where, META_FILE_FIELD.metaFiles, () => {
    found = true;
  });
  return found;
}

/**
 * Each data file of a leaf, in stored order, as plain Manifest data, with a view of its raw start key (for the
 * owner's table ID; valid during the call).
 */
export function scanLeafDataFiles(bytes: Uint8Array, where: string, visit: (file: BackupFile, startKey: Uint8Array) => void): void {
  const buf = asBuffer(bytes);
  // Every file of a backup has the same end version (the backup TS) and one of two CFs: one string each,
  // shared, rather than 100,000 equal copies held for the whole restore.
  let lastStartVersion = '0';
  let lastEndVersion = '0';
  forEachEntry(buf, where, META_FILE_FIELD.dataFiles, (start, end) => {
    const r = new WireReader(buf, start, end);
    let name = '';
    let sha256 = '';
    let startKey: [number, number] = [start, start];
    let endKey = '';
    let startVersion = '0';
    let endVersion = '0';
    let crc64xor = '0';
    let totalKvs = '0';
    let totalBytes = '0';
    let cf = '';
    let size = '0';
    let cipherIv = '';
    while (r.pos < r.end) {
      const tag = r.uint32();
      const wire = tag & 7;
      switch (wire === WIRE_LEN ? -(tag >>> 3) : wire === WIRE_VARINT ? tag >>> 3 : 0) {
        case -1: name = utf8(buf, r.lengthDelimited()); break;
        case -2: sha256 = hex(buf, r.lengthDelimited()); break;
        case -3: startKey = r.lengthDelimited(); break;
        case -4: endKey = hex(buf, r.lengthDelimited()); break;
        case 5: startVersion = r.uint64Decimal(); break;
        case 6: endVersion = r.uint64Decimal(); break;
        case 7: crc64xor = r.uint64Decimal(); break;
        case 8: totalKvs = r.uint64Decimal(); break;
        case 9: totalBytes = r.uint64Decimal(); break;
        case -10: cf = utf8(buf, r.lengthDelimited()); break;
        case 11: size = r.uint64Decimal(); break;
        case -12: cipherIv = hex(buf, r.lengthDelimited()); break;
        default: r.skip(wire);
      }
    }
    // The literals, not the decoded copies: equal text, one string shared by every file.
    const family: BackupFile['cf'] = cf === 'write' ? 'write' : cf === 'default' ? 'default' : badFamily(name, cf, where);
    if (startVersion === lastStartVersion) startVersion = lastStartVersion;
    else lastStartVersion = startVersion;
    if (endVersion === lastEndVersion) endVersion = lastEndVersion;
    else lastEndVersion = endVersion;
    // Same fields in the same order as toBackupFile (meta-decode.ts), so both kinds of leaf give one object shape.
    const file: BackupFile = {
      name, sha256, startKey: hex(buf, startKey), endKey, startVersion, endVersion, crc64xor, totalKvs, totalBytes, cf: family, size,
    };
    if (cipherIv !== '') file.cipherIv = cipherIv;
    visit(file, buf.subarray(startKey[0], startKey[1]));
  });
}

/** Each Schema entry of a leaf, in stored order; its JSON views are valid during the call. */
export function scanLeafSchemas(bytes: Uint8Array, where: string, visit: (schema: LeafSchema) => void): void {
  const buf = asBuffer(bytes);
  const empty = buf.subarray(0, 0);
  forEachEntry(buf, where, META_FILE_FIELD.schemas, (start, end) => {
    const r = new WireReader(buf, start, end);
    const s: LeafSchema = { db: empty, table: empty, crc64xor: '0', totalKvs: '0', totalBytes: '0', tiflashReplicas: 0 };
    while (r.pos < r.end) {
      const tag = r.uint32();
      const wire = tag & 7;
      switch (wire === WIRE_LEN ? -(tag >>> 3) : wire === WIRE_VARINT ? tag >>> 3 : 0) {
        case -1: { const [a, b] = r.lengthDelimited(); s.db = buf.subarray(a, b); break; }
        case -2: { const [a, b] = r.lengthDelimited(); s.table = buf.subarray(a, b); break; }
        case 3: s.crc64xor = r.uint64Decimal(); break;
        case 4: s.totalKvs = r.uint64Decimal(); break;
        case 5: s.totalBytes = r.uint64Decimal(); break;
        case 6: s.tiflashReplicas = r.uint32(); break;
        default: r.skip(wire);
      }
    }
    visit(s);
  });
}

/** Each DDL job entry (one JSON job) of a leaf, as a view of its bytes valid during the call. */
export function scanLeafDdls(bytes: Uint8Array, where: string, visit: (job: Uint8Array) => void): void {
  const buf = asBuffer(bytes);
  forEachEntry(buf, where, META_FILE_FIELD.ddls, (start, end) => visit(buf.subarray(start, end)));
}

function badFamily(name: string, cf: string, where: string): never {
  throw corrupt(`data file ${JSON.stringify(name)} in ${where} has column family ${JSON.stringify(cf)}; expected "default" or "write"`);
}

function utf8(buf: Buffer, [start, end]: [number, number]): string {
  return buf.toString('utf8', start, end);
}

/** Lower-case hex, as keys.ts toHex writes it: a flat one-byte string. */
function hex(buf: Buffer, [start, end]: [number, number]): string {
  return buf.toString('hex', start, end);
}

function corrupt(message: string): BrflowError {
  return new BrflowError(ErrorType.BackupMetaCorrupt, message);
}
