/**
 * MySQL's binary decimal format (decimal2bin), which TiDB uses both in row values and, prefixed by precision
 * and frac bytes, in memcomparable keys (util/codec EncodeDecimal → types.MyDecimal.ToBin). Digits are grouped
 * by 9 into 4-byte big-endian words; a leading partial integer group and a trailing partial fraction group take
 * only as many bytes as their digit count needs. Negative numbers have every byte inverted, and the first byte's
 * top bit is flipped so the bytes sort like the numbers for a fixed precision/frac.
 */
const DIGITS_PER_WORD = 9;
const DIG2BYTES = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4] as const;

function pushDigits(out: number[], digits: string, nbytes: number): void {
  let v = digits === '' ? 0 : Number(digits);
  const bytes: number[] = [];
  for (let i = 0; i < nbytes; i++) {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  }
  out.push(...bytes);
}

/** Number of bytes decimalToBin writes for a precision/frac. */
export function decimalBinSize(precision: number, frac: number): number {
  const intg = precision - frac;
  return (
    Math.floor(intg / DIGITS_PER_WORD) * 4 + DIG2BYTES[intg % DIGITS_PER_WORD]! +
    Math.floor(frac / DIGITS_PER_WORD) * 4 + DIG2BYTES[frac % DIGITS_PER_WORD]!
  );
}

/**
 * Encodes a decimal literal ("-12.5") as DECIMAL(precision, frac).
 * @throws when the literal is malformed or does not fit the precision.
 */
export function decimalToBin(literal: string, precision: number, frac: number): Uint8Array {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(literal.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new Error(`not a decimal literal: ${literal}`);
  if (precision < 1 || precision > 65 || frac < 0 || frac > 30 || frac > precision) {
    throw new Error(`bad DECIMAL(${precision}, ${frac})`);
  }
  const intg = precision - frac;
  const intDigits = (m[2] ?? '').replace(/^0+/, '');
  let fracDigits = m[3] ?? '';
  if (intDigits.length > intg) throw new Error(`${literal} does not fit DECIMAL(${precision}, ${frac})`);
  if (fracDigits.length > frac) {
    if (/[1-9]/.test(fracDigits.slice(frac))) throw new Error(`${literal} has more than ${frac} fraction digits`);
    fracDigits = fracDigits.slice(0, frac);
  }
  const negative = m[1] === '-' && /[1-9]/.test(intDigits + fracDigits);
  const intPadded = intDigits.padStart(intg, '0');
  const fracPadded = fracDigits.padEnd(frac, '0');

  const out: number[] = [];
  const lead = intg % DIGITS_PER_WORD;
  pushDigits(out, intPadded.slice(0, lead), DIG2BYTES[lead]!);
  for (let i = lead; i < intg; i += DIGITS_PER_WORD) pushDigits(out, intPadded.slice(i, i + DIGITS_PER_WORD), 4);
  const fullFrac = frac - (frac % DIGITS_PER_WORD);
  for (let i = 0; i < fullFrac; i += DIGITS_PER_WORD) pushDigits(out, fracPadded.slice(i, i + DIGITS_PER_WORD), 4);
  const trail = frac % DIGITS_PER_WORD;
  pushDigits(out, fracPadded.slice(fullFrac), DIG2BYTES[trail]!);

  const bin = new Uint8Array(out);
  if (negative) for (let i = 0; i < bin.length; i++) bin[i] = (bin[i] as number) ^ 0xff;
  if (bin.length > 0) bin[0] = (bin[0] as number) ^ 0x80;
  return bin;
}

/** Inverse of decimalToBin: the canonical literal with exactly `frac` fraction digits. */
export function decimalFromBin(bin: Uint8Array, precision: number, frac: number): string {
  const b = Uint8Array.from(bin.subarray(0, decimalBinSize(precision, frac)));
  if (b.length === 0) return '0';
  const negative = ((b[0] as number) & 0x80) === 0;
  b[0] = (b[0] as number) ^ 0x80;
  if (negative) for (let i = 0; i < b.length; i++) b[i] = (b[i] as number) ^ 0xff;
  let o = 0;
  const read = (n: number, digits: number): string => {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + (b[o++] as number);
    return digits === 0 ? '' : String(v).padStart(digits, '0');
  };
  const intg = precision - frac;
  const lead = intg % DIGITS_PER_WORD;
  let intStr = read(DIG2BYTES[lead]!, lead);
  for (let i = lead; i < intg; i += DIGITS_PER_WORD) intStr += read(4, DIGITS_PER_WORD);
  let fracStr = '';
  const fullFrac = frac - (frac % DIGITS_PER_WORD);
  for (let i = 0; i < fullFrac; i += DIGITS_PER_WORD) fracStr += read(4, DIGITS_PER_WORD);
  fracStr += read(DIG2BYTES[frac % DIGITS_PER_WORD]!, frac % DIGITS_PER_WORD);
  intStr = intStr.replace(/^0+/, '') || '0';
  const text = fracStr === '' ? intStr : `${intStr}.${fracStr}`;
  return negative ? `-${text}` : text;
}
