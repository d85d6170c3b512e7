/**
 * Walks the entries of an uncompressed RocksDB block (see block-builder.ts for the layout). Every length is
 * bounds-checked so a damaged block becomes a message naming the block, never an out-of-range read.
 */

import { readFixed32, readVarint } from './byte-writer';
import type { BlockHandle } from './block-handle';

/** Where the entries end (start of the restart array), or an error message. */
function entriesEnd(block: Uint8Array): number | string {
  if (block.length < 4) return `block of ${block.length} bytes has no restart count`;
  let numRestarts = readFixed32(block, block.length - 4);
  // The top bit flags a data-block hash index (kDataBlockBinaryAndHash); its map sits before the count.
  if (numRestarts & 0x80000000) {
    numRestarts &= 0x7fffffff;
    if (block.length < 6) return 'hash-indexed block too short';
    const buckets = (block[block.length - 6] as number) | ((block[block.length - 5] as number) << 8);
    const end = block.length - 6 - buckets - numRestarts * 4;
    if (numRestarts === 0 || end < 0) return `restart count ${numRestarts} does not fit in ${block.length} bytes`;
    return end;
  }
  const end = block.length - 4 - numRestarts * 4;
  if (numRestarts === 0 || end < 0) return `restart count ${numRestarts} does not fit in ${block.length} bytes`;
  return end;
}

/**
 * Calls `visit(key, value)` for each entry. `key` is a view into a scratch buffer that is overwritten by the
 * next entry: copy it to keep it. Returns an error message on malformed input.
 */
export function forEachBlockEntry(block: Uint8Array, visit: (key: Uint8Array, value: Uint8Array) => void): string | undefined {
  const end = entriesEnd(block);
  if (typeof end === 'string') return end;
  let key = new Uint8Array(64);
  let keyLen = 0;
  let pos = 0;
  while (pos < end) {
    const s = readVarint(block, pos, end);
    const ns = s && readVarint(block, s.next, end);
    const vl = ns && readVarint(block, ns.next, end);
    if (!s || !ns || !vl) return `entry header at block byte ${pos} is malformed`;
    const shared = s.value;
    const nonShared = ns.value;
    if (shared > keyLen) return `entry at block byte ${pos} shares ${shared} key bytes but the previous key has ${keyLen}`;
    const kStart = vl.next;
    const vStart = kStart + nonShared;
    const vEnd = vStart + vl.value;
    if (vEnd > end) return `entry at block byte ${pos} runs past the entries area`;
    const newLen = shared + nonShared;
    if (newLen > key.length) {
      const grown = new Uint8Array(Math.max(newLen, key.length * 2));
      grown.set(key.subarray(0, shared));
      key = grown;
    }
    // Key deltas are short: a plain loop beats subarray()+set(), which allocates a view per entry.
    for (let i = 0; i < nonShared; i++) key[shared + i] = block[kStart + i] as number;
    keyLen = newLen;
    visit(key.subarray(0, keyLen), block.subarray(vStart, vEnd));
    pos = vEnd;
  }
  return undefined;
}

function readHandleAt(b: Uint8Array, pos: number, end: number): { handle: BlockHandle; next: number } | undefined {
  const off = readVarint(b, pos, end);
  const size = off && readVarint(b, off.next, end);
  if (!off || !size) return undefined;
  return { handle: { offset: off.value, size: size.value }, next: size.next };
}

/** Decodes a block handle stored as an entry value (metaindex, plain index). */
export function decodeBlockHandle(value: Uint8Array): BlockHandle | undefined {
  return readHandleAt(value, 0, value.length)?.handle;
}

export interface IndexEntry {
  /** Separator key: an internal key, or a user key when `rocksdb.index.key.is.user.key` is 1. */
  key: Uint8Array;
  handle: BlockHandle;
}

/**
 * Reads an index block. With `valueDeltaEncoded` (format_version ≥ 4, `rocksdb.index.value.is.delta.encoded`)
 * entries carry no value length: a restart entry (shared = 0) holds a full handle, later entries only a zigzag
 * varint size delta, the offset following from the previous block plus its trailer.
 */
export function readIndexBlock(block: Uint8Array, valueDeltaEncoded: boolean, trailerSize: number): IndexEntry[] | string {
  if (!valueDeltaEncoded) {
    const out: IndexEntry[] = [];
    let bad: string | undefined;
    const err = forEachBlockEntry(block, (key, value) => {
      const h = decodeBlockHandle(value);
      if (!h) bad ??= `index entry ${out.length} has a malformed block handle`;
      else out.push({ key: key.slice(), handle: h });
    });
    return err ?? bad ?? out;
  }
  const end = entriesEnd(block);
  if (typeof end === 'string') return end;
  const out: IndexEntry[] = [];
  let key = new Uint8Array(0);
  let pos = 0;
  while (pos < end) {
    const s = readVarint(block, pos, end);
    const ns = s && readVarint(block, s.next, end);
    if (!s || !ns) return `index entry header at block byte ${pos} is malformed`;
    if (s.value > key.length) return `index entry at block byte ${pos} shares more bytes than the previous key has`;
    const kEnd = ns.next + ns.value;
    if (kEnd > end) return `index entry at block byte ${pos} runs past the entries area`;
    const k = new Uint8Array(s.value + ns.value);
    k.set(key.subarray(0, s.value));
    k.set(block.subarray(ns.next, kEnd), s.value);
    key = k;
    let handle: BlockHandle;
    if (s.value === 0) {
      const h = readHandleAt(block, kEnd, end);
      if (!h) return `index entry at block byte ${pos} has a malformed block handle`;
      handle = h.handle;
      pos = h.next;
    } else {
      const prev = out[out.length - 1];
      const d = readVarint(block, kEnd, end);
      if (!prev || !d) return `index entry at block byte ${pos} has a malformed size delta`;
      const delta = d.value % 2 === 0 ? d.value / 2 : -(d.value + 1) / 2;
      handle = { offset: prev.handle.offset + prev.handle.size + trailerSize, size: prev.handle.size + delta };
      if (handle.size < 0) return `index entry at block byte ${pos} has a negative block size`;
      pos = d.next;
    }
    out.push({ key, handle });
  }
  return out;
}
