/** A block's position in the file: offset and size, size excluding the 5-byte trailer (varint64 pair on disk). */
export interface BlockHandle {
  offset: number;
  size: number;
}

/** Compression type byte + masked checksum after every block. */
export const BLOCK_TRAILER_SIZE = 5;
