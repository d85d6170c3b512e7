import { lz4CompressBlock, lz4DecompressBlock } from '../../../../src/backup/sst/lz4-block';
import { xorshiftBytes } from './sst-fixtures';

/**
 * Checks the LZ4 block-format end conditions liblz4's safe decoder relies on: the last sequence is literals
 * only, the last 5 bytes are literals, and no match starts within 12 bytes of the end. Returns a violation or ''.
 */
function lz4SpecViolation(block: Uint8Array, outLen: number): string {
  let ip = 0;
  let op = 0;
  for (;;) {
    const token = block[ip++] as number;
    let lit = token >>> 4;
    if (lit === 15) for (let b = 255; b === 255; ) lit += b = block[ip++] as number;
    ip += lit;
    op += lit;
    if (ip >= block.length) return outLen - op >= 0 ? '' : 'overrun';
    if (op > outLen - 12) return `match starts ${outLen - op} bytes before the end`;
    ip += 2;
    let ml = token & 15;
    if (ml === 15) for (let b = 255; b === 255; ) ml += b = block[ip++] as number;
    op += ml + 4;
    if (op > outLen - 5) return `match ends ${outLen - op} bytes before the end`;
  }
}

function inputs(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let n = 0; n < 80; n++) out.push(new Uint8Array(n).fill(0x61));
  for (let n = 0; n < 80; n++) out.push(Uint8Array.from({ length: n }, (_, i) => (i % 5) + 0x30));
  for (let n = 13; n < 60; n++) {
    // A repeat of the head placed right at the end: the case where a lax encoder starts a late match.
    const head = xorshiftBytes(8, n);
    const mid = xorshiftBytes(n, n + 1000);
    out.push(new Uint8Array([...head, ...mid, ...head.subarray(0, 6)]));
  }
  out.push(xorshiftBytes(70_000, 5));
  const text = new TextEncoder().encode('row-value-'.repeat(8000));
  out.push(text);
  out.push(new Uint8Array([...xorshiftBytes(70_000, 9), ...xorshiftBytes(70_000, 9)]));
  return out;
}

describe('raw LZ4 block codec', () => {
  test('round-trips and respects the LZ4 end-of-block rules for all inputs', () => {
    for (const src of inputs()) {
      const block = lz4CompressBlock(src);
      expect(lz4SpecViolation(block, src.length)).toBe('');
      const back = lz4DecompressBlock(block, src.length);
      expect(back).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(back as Uint8Array).equals(Buffer.from(src))).toBe(true);
    }
  });

  test('actually compresses repetitive data, using offsets beyond one byte', () => {
    const src = new TextEncoder().encode('row-value-'.repeat(8000));
    expect(lz4CompressBlock(src).length).toBeLessThan(src.length / 50);
    const far = new Uint8Array([...xorshiftBytes(70_000, 9), ...xorshiftBytes(70_000, 9)]);
    // The second half repeats data 70,000 bytes back: beyond LZ4's 65,535 window, so it cannot be matched.
    expect(lz4CompressBlock(far).length).toBeGreaterThan(far.length);
  });

  test('damaged input gives an error message, never an exception or wrong-length output', () => {
    const src = new TextEncoder().encode('hello hello hello hello hello hello world');
    const block = lz4CompressBlock(src);
    expect(lz4DecompressBlock(block, src.length + 1)).toMatch(/decompressed \d+ bytes, expected/);
    expect(lz4DecompressBlock(block, src.length - 3)).toMatch(/overflow/);
    expect(lz4DecompressBlock(block.subarray(0, block.length - 3), src.length)).toEqual(expect.any(String));
    expect(lz4DecompressBlock(Uint8Array.of(0x0f, 0xff, 0xff, 0x00), 10)).toEqual(expect.any(String));
    expect(lz4DecompressBlock(Uint8Array.of(0x10, 0x61, 0x05, 0x00), 10)).toMatch(/offset 5 outside/);
  });
});
