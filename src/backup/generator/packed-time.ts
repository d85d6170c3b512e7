import type { DateTimeParts } from './datum';

/**
 * TiDB's packed uint64 for DATETIME/DATE/TIMESTAMP (types.Time.ToPackedUint): year*13+month and day form the
 * date bits, hour/minute/second the time bits, microseconds the low 24 bits. Row values store it with the
 * compact uint encoding, keys with the uint flag.
 */
export function toPackedUint(t: DateTimeParts): bigint {
  const ymd = (BigInt(t.year * 13 + t.month) << 5n) | BigInt(t.day);
  const hms = BigInt((t.hour << 12) | (t.minute << 6) | t.second);
  return (((ymd << 17n) | hms) << 24n) | BigInt(t.microsecond);
}

export function fromPackedUint(packed: bigint): DateTimeParts {
  const microsecond = Number(packed & 0xffffffn);
  const ymdhms = packed >> 24n;
  const ymd = ymdhms >> 17n;
  const hms = Number(ymdhms & 0x1ffffn);
  const day = Number(ymd & 31n);
  const ym = Number(ymd >> 5n);
  return {
    year: Math.floor(ym / 13), month: ym % 13, day,
    hour: hms >> 12, minute: (hms >> 6) & 63, second: hms & 63, microsecond,
  };
}
