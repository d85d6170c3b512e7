/**
 * SQLSTATE of the error numbers the front answers with, as TiDB v8.5.3 sends them (MySQL's table;
 * measured on the real server for 1007–1193, 1410, 1495, 8216). Anything else is HY000, MySQL's "general error".
 */
const SQL_STATE: Record<number, string> = {
  1045: '28000', 1046: '3D000', 1049: '42000', 1050: '42S01', 1051: '42S02', 1054: '42S22', 1060: '42S21', 1061: '42000',
  1064: '42000', 1068: '42000', 1072: '42000', 1075: '42000', 1090: '42000', 1091: '42000', 1136: '21S01', 1146: '42S02',
  1170: '42000', 1235: '42000', 1410: '42000',
};

export function sqlStateOf(errno: number): string {
  return SQL_STATE[errno] ?? 'HY000';
}

/** The shape mysql2's server connection needs of a packet it writes (writePacket): a length, a header, the bytes. */
export interface RawPacket {
  buffer: Buffer;
  length(): number;
  writeHeader(sequenceId: number): void;
}

/**
 * A MySQL ERR packet with its SQLSTATE: mysql2's server writes the placeholder "#_____" instead, which a
 * client reports as sqlState "_____". Layout: 4-byte header, 0xff, errno (u16 LE), '#', 5-char state, message.
 */
export function errorPacket(errno: number, message: string): RawPacket {
  const text = Buffer.from(message, 'utf8');
  const buffer = Buffer.alloc(4 + 1 + 2 + 6 + text.length);
  buffer.writeUInt8(0xff, 4);
  buffer.writeUInt16LE(errno, 5);
  buffer.write(`#${sqlStateOf(errno)}`, 7, 'ascii');
  text.copy(buffer, 13);
  return {
    buffer,
    length: () => buffer.length,
    writeHeader: (sequenceId: number) => {
      buffer.writeUIntLE(buffer.length - 4, 0, 3);
      buffer.writeUInt8(sequenceId & 0xff, 3);
    },
  };
}
