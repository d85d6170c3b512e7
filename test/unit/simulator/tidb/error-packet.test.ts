import { errorPacket, sqlStateOf } from '../../../../src/simulator/tidb/error-packet';

describe('MySQL ERR packets of the simulated TiDB', () => {
  it('carries the error number, TiDB\'s SQLSTATE and the message after a 4-byte header', () => {
    const p = errorPacket(1146, "Table 'd.t' doesn't exist");
    p.writeHeader(1);
    const b = p.buffer;
    expect(b.readUIntLE(0, 3)).toBe(b.length - 4);
    expect(b[3]).toBe(1);
    expect(b[4]).toBe(0xff);
    expect(b.readUInt16LE(5)).toBe(1146);
    expect(b.subarray(7, 13).toString('ascii')).toBe('#42S02');
    expect(b.subarray(13).toString('utf8')).toBe("Table 'd.t' doesn't exist");
  });

  it.each([
    [1007, 'HY000'], [1045, '28000'], [1046, '3D000'], [1049, '42000'], [1050, '42S01'], [1051, '42S02'], [1054, '42S22'],
    [1060, '42S21'], [1064, '42000'], [1146, '42S02'], [1193, 'HY000'], [8216, 'HY000'],
  ])('error %i has SQLSTATE %s', (errno, state) => {
    expect(sqlStateOf(errno)).toBe(state);
  });
});
