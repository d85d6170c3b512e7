import { MysqlType, type FieldType } from '../../../../src/plan/table-info';
import { bitDefaultBytes, originDefaultOnAdd, storedDefault } from '../../../../src/simulator/tidb/column-default';

const ft = (Tp: number, Decimal = 0, Elems: string[] | null = null): FieldType => ({ Tp, Flag: 0, Flen: 8, Decimal, Charset: 'binary', Collate: 'binary', Elems });

/** Expected values measured on TiDB v8.5.3 through GET /schema/{db}/{table}. */
describe('column defaults as TiDB stores them', () => {
  it.each([
    ["b'0'", [0x00]],
    ["b'101'", [0x05]],
    ["b'1000000001'", [0x02, 0x01]],
    ["B'11'", [0x03]],
    ['0b101', [0x05]],
    ["x'0aff'", [0x0a, 0xff]],
    ['0x1', [0x01]],
    ['5', [0x05]],
    ['256', [0x01, 0x00]],
  ])('BIT default %s is the bytes %j', (text, bytes) => {
    expect([...bitDefaultBytes(text)]).toEqual(bytes);
  });

  it('keeps a BIT default raw, with its base64 in default_bit; a quoted string is its own bytes', () => {
    expect(storedDefault({ value: "b'101'", isExpr: false }, ft(MysqlType.Bit))).toEqual({ value: '\u0005', bit: 'BQ==', isExpr: false });
    expect(storedDefault({ value: '\u0001', isExpr: false, quoted: true }, ft(MysqlType.Bit))).toEqual({ value: '\u0001', bit: 'AQ==', isExpr: false });
    // A byte that is not UTF-8 shows as U+FFFD in TiDB's JSON; default_bit keeps the byte.
    expect(storedDefault({ value: "x'ff'", isExpr: false }, ft(MysqlType.Bit))).toEqual({ value: '\ufffd', bit: '/w==', isExpr: false });
  });

  it('stores CURRENT_TIMESTAMP and its synonyms without precision and not as an expression', () => {
    for (const v of ['CURRENT_TIMESTAMP', 'current_timestamp(6)', 'NOW()', 'localtimestamp']) {
      expect(storedDefault({ value: v, isExpr: true }, ft(MysqlType.Datetime, 6))).toEqual({ value: 'CURRENT_TIMESTAMP', bit: null, isExpr: false });
    }
    expect(storedDefault({ value: 'uuid()', isExpr: true }, ft(MysqlType.Varchar))).toEqual({ value: 'uuid()', bit: null, isExpr: true });
    expect(storedDefault(undefined, ft(MysqlType.Long))).toEqual({ value: null, bit: null, isExpr: false });
  });

  it('gives ADD COLUMN an origin default: the default, the ALTER time, or the zero value of a NOT NULL column', () => {
    const now = new Date('2026-12-04T17:12:40.123Z');
    const none = { value: null, bit: null, isExpr: false };
    expect(originDefaultOnAdd({ value: '5', bit: null, isExpr: false }, ft(MysqlType.Long), true, now)).toEqual({ value: '5', bit: null });
    expect(originDefaultOnAdd({ value: 'CURRENT_TIMESTAMP', bit: null, isExpr: false }, ft(MysqlType.Datetime), false, now)).toEqual({ value: '2026-12-04 17:12:40', bit: null });
    expect(originDefaultOnAdd({ value: 'CURRENT_TIMESTAMP', bit: null, isExpr: false }, ft(MysqlType.Datetime, 3), false, now)).toEqual({ value: '2026-12-04 17:12:40.123', bit: null });
    expect(originDefaultOnAdd(none, ft(MysqlType.Long), true, now)).toEqual({ value: '0', bit: null });
    expect(originDefaultOnAdd(none, ft(MysqlType.Varchar), true, now)).toEqual({ value: '', bit: null });
    expect(originDefaultOnAdd(none, ft(MysqlType.Bit), true, now)).toEqual({ value: '', bit: '' });
    expect(originDefaultOnAdd(none, ft(MysqlType.Long), false, now)).toEqual({ value: null, bit: null });
  });
});
