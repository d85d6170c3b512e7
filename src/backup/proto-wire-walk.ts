/** Protobuf wire types proto3 encoders write: varint, 64-bit, length-delimited, 32-bit (3/4 are proto2 groups). */
export const WIRE_VARINT = 0;
export const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

/** Where and why a walk stopped before the end of the bytes. */
export type WalkStop =
  | { why: 'tag-cut'; at: number }
  | { why: 'refused'; at: number; field: number; wire: number }
  | { why: 'overrun'; at: number; field: number };

/**
 * Walks the top-level fields of a protobuf message without decoding them: each tag must parse, `accept` must
 * take its field number and wire type (only the four proto3 wire types are walked), and its value must end
 * inside the bytes. Returns how many whole fields parsed, the offset after the last of them, and why it stopped
 * if that was before the end. Used to tell BackupMeta plaintext from ciphertext and damage (meta-plausibility,
 * meta-sniff) without trusting the decoder, which skips what it does not know.
 */
export function walkTopLevelFields(b: Uint8Array, accept: (field: number, wire: number) => boolean): { fields: number; consumed: number; stop?: WalkStop } {
  let pos = 0;
  let fields = 0;
  // Exact below 2^49 (7 bytes), which covers every tag and length that fits in the bytes; only the length of a
  // longer varint matters here.
  const varint = (): number | undefined => {
    let v = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= b.length) return undefined;
      const byte = b[pos++]!;
      if (i < 7) v += (byte & 0x7f) * 2 ** (7 * i);
      if ((byte & 0x80) === 0) return v;
    }
    return undefined;
  };
  while (pos < b.length) {
    const at = pos;
    const tag = varint();
    if (tag === undefined) return { fields, consumed: at, stop: { why: 'tag-cut', at } };
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (![WIRE_VARINT, WIRE_I64, WIRE_LEN, WIRE_I32].includes(wire) || !accept(field, wire)) {
      return { fields, consumed: at, stop: { why: 'refused', at, field, wire } };
    }
    let ok: boolean;
    if (wire === WIRE_VARINT) ok = varint() !== undefined;
    else if (wire === WIRE_I64) ok = (pos += 8) <= b.length;
    else if (wire === WIRE_I32) ok = (pos += 4) <= b.length;
    else {
      const len = varint();
      ok = len !== undefined && (pos += len) <= b.length;
    }
    if (!ok) return { fields, consumed: at, stop: { why: 'overrun', at, field } };
    fields++;
  }
  return { fields, consumed: pos };
}
