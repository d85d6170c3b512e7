import { backupFileChecksum } from '../../../src/backup/file-checksum';
import { crc64 } from '../../../src/backup/crc64';
import { encodeMvccWrite } from '../../../src/backup/mvcc-write';
import { initSstCodecs, writeSst, type SstEntryInput } from '../../../src/backup/sst';
import { ErrorType } from '../../../src/plan/error-types';
import { appendTs, compareBytes, concatBytes, encodeBytes, recordKey } from '../../../src/plan/keys';

beforeAll(async () => {
  await initSstCodecs();
});

const dataKey = (raw: Uint8Array, ts: bigint) => appendTs(concatBytes(Uint8Array.of(0x7a), encodeBytes(raw)), ts);
const sorted = (es: SstEntryInput[]) => [...es].sort((a, b) => compareBytes(a.key, b.key));

/** A backup range of table 42 the way TiKV writes it: short values inline, long ones in the default CF. */
function backupRange() {
  const write: SstEntryInput[] = [];
  const dflt: SstEntryInput[] = [];
  const rows: Array<{ raw: Uint8Array; value: Uint8Array }> = [];
  for (let h = 1; h <= 400; h++) {
    const raw = recordKey(42, h);
    const len = h % 5 === 0 ? 256 + h : h % 7 === 0 ? 255 : 1 + (h % 40);
    const value = Uint8Array.from({ length: len }, (_, i) => (h * 31 + i) & 0xff);
    const startTs = 1000n + BigInt(h);
    const commitTs = startTs + 5n;
    const inline = len <= 255;
    write.push({ key: dataKey(raw, commitTs), value: encodeMvccWrite({ type: 'put', startTs, ...(inline ? { shortValue: value } : {}) }) });
    if (!inline) dflt.push({ key: dataKey(raw, startTs), value });
    rows.push({ raw, value });
  }
  return { write: sorted(write), dflt: sorted(dflt), rows };
}

describe('backupFileChecksum (TiKV backup writer semantics)', () => {
  test('each row counts once: short values in the write file, long values in the default file', () => {
    const { write, dflt, rows } = backupRange();
    let wantWrite = 0n;
    let wantDefault = 0n;
    let wKvs = 0;
    let dKvs = 0;
    let wBytes = 0;
    let dBytes = 0;
    for (const r of rows) {
      const d = crc64(concatBytes(r.raw, r.value));
      if (r.value.length > 255) {
        wantDefault ^= d;
        dKvs++;
        dBytes += r.raw.length + r.value.length;
      } else {
        wantWrite ^= d;
        wKvs++;
        wBytes += r.raw.length + r.value.length;
      }
    }
    expect(dKvs).toBeGreaterThan(0);
    const w = backupFileChecksum(writeSst(write, { compression: 'zstd' }), 'write');
    const df = backupFileChecksum(writeSst(dflt, { compression: 'zstd' }), 'default');
    expect(w).toEqual({ crc64xor: wantWrite.toString(), totalKvs: String(wKvs), totalBytes: String(wBytes) });
    expect(df).toEqual({ crc64xor: wantDefault.toString(), totalKvs: String(dKvs), totalBytes: String(dBytes) });
    // Together the pair equals the checksum of the table's rows, as the coprocessor would compute it.
    let all = 0n;
    for (const r of rows) all ^= crc64(concatBytes(r.raw, r.value));
    expect((BigInt(w.crc64xor) ^ BigInt(df.crc64xor)).toString()).toBe(all.toString());
    expect(Number(w.totalKvs) + Number(df.totalKvs)).toBe(rows.length);
  });

  test('a Delete (incremental backup) counts in the write file with an empty value', () => {
    const raw = recordKey(42, 7);
    const entries = sorted([
      { key: dataKey(raw, 2000n), value: encodeMvccWrite({ type: 'delete', startTs: 1990n }) },
      { key: dataKey(raw, 1500n), value: encodeMvccWrite({ type: 'put', startTs: 1490n, shortValue: Uint8Array.of(1, 2, 3) }) },
    ]);
    const got = backupFileChecksum(writeSst(entries, { compression: 'none' }), 'write');
    const want = crc64(raw) ^ crc64(concatBytes(raw, Uint8Array.of(1, 2, 3)));
    expect(got).toEqual({ crc64xor: want.toString(), totalKvs: '2', totalBytes: String(raw.length * 2 + 3) });
  });

  test('an SST whose keys are not TiKV data keys is SstCorrupt', () => {
    const sst = writeSst([{ key: Uint8Array.of(0x74, 0x01), value: Uint8Array.of(0x50, 0x01) }], { compression: 'none' });
    expect(() => backupFileChecksum(sst, 'write', '1/2_write.sst')).toThrow(
      expect.objectContaining({ type: ErrorType.SstCorrupt, message: expect.stringMatching(/^SST 1\/2_write\.sst entry 0 is not a TiKV data key/) }),
    );
  });
});
