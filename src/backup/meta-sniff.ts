import { walkTopLevelFields } from './proto-wire-walk';

/**
 * Tells a damaged `backupmeta` from an encrypted one without the key. An encrypted backupmeta is a 16-byte
 * IV followed by AES-CTR ciphertext: bytes indistinguishable from random. A truncated or partly overwritten
 * plaintext one still starts with well-formed protobuf fields; text or zeros written over it have far less
 * entropy than ciphertext. Either of those is damage, and saying "encrypted" would send the operator to the
 * wrong fix.
 */
export type UnreadableMeta = { kind: 'encrypted' } | { kind: 'damaged'; reason: string };

/** Protobuf fields that must parse from the start, in field-number order (as every protobuf encoder writes a
 *  message), before we call the file plaintext. Random bytes get that far about once in 10^6. */
const MIN_PLAIN_FIELDS = 5;
/** BackupMeta's field numbers are small (kvproto brpb); a larger one means the bytes are not its fields. */
const MAX_FIELD_NUMBER = 64;

export function sniffUnreadableMeta(bytes: Uint8Array): UnreadableMeta {
  if (bytes.length === 0) return { kind: 'damaged', reason: 'it is empty' };
  const prefix = protobufPrefix(bytes);
  if (prefix.fields >= MIN_PLAIN_FIELDS || (prefix.fields >= 2 && startsWithClusterId(bytes))) {
    return {
      kind: 'damaged',
      reason: prefix.consumed === bytes.length
        ? `it decodes as protobuf (${prefix.fields} fields) but not as a BackupMeta BR writes`
        : `its plaintext protobuf breaks off at byte ${prefix.consumed} of ${bytes.length} (truncated or overwritten)`,
    };
  }
  if (bytes.length >= 32 && entropyBitsPerByte(bytes) >= randomEntropyFloor(bytes.length)) return { kind: 'encrypted' };
  return { kind: 'damaged', reason: `its ${bytes.length} bytes are neither protobuf nor ciphertext` };
}

/**
 * BR writes BackupMeta.cluster_id (field 1, varint) first, and a cluster ID is a random 64-bit number: a tag
 * byte 0x08 and a varint of eight bytes or more (shorter for one ID in 30,000). Small backupmetas truncated
 * early have few whole fields left, but still this start.
 */
function startsWithClusterId(b: Uint8Array): boolean {
  if (b[0] !== 0x08) return false;
  let i = 1;
  while (i < b.length && i < 11 && (b[i]! & 0x80) !== 0) i++;
  return i >= 8;
}

/**
 * How many whole protobuf fields parse from the start, in field-number order, and the offset where parsing
 * stopped.
 */
function protobufPrefix(b: Uint8Array): { fields: number; consumed: number } {
  let lastField = 0;
  const { fields, consumed } = walkTopLevelFields(b, (field) => {
    const inOrder = field >= Math.max(1, lastField) && field <= MAX_FIELD_NUMBER;
    lastField = field;
    return inOrder;
  });
  return { fields, consumed };
}

function entropyBitsPerByte(b: Uint8Array): number {
  const counts = new Array<number>(256).fill(0);
  for (const x of b) counts[x]!++;
  let h = 0;
  for (const c of counts) if (c > 0) h -= (c / b.length) * Math.log2(c / b.length);
  return h;
}

/**
 * The entropy below which n bytes are not ciphertext. Random n bytes measure less than 8 bits/byte: at most
 * log2(n), and about 255 / (2 n ln 2) below 8 (the plug-in estimator's bias); the floor keeps a margin under
 * both, well above text or a zero fill.
 */
function randomEntropyFloor(n: number): number {
  return Math.min(Math.log2(n) - 1, 8 - 255 / (2 * n * Math.LN2) - 0.3);
}
