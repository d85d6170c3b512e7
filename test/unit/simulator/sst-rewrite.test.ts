import { appendTs, concatBytes, decodeMvccKey, encodeBytes, encodeKeyPrefix, recordKey, recordPrefix, indexPrefix } from '../../../src/plan/keys';
import { rewriteSstEntries, ruleForRequest, type DownloadRule } from '../../../src/simulator/sst-rewrite';
import { decodeMvccWrite, encodeMvccWrite } from '../../../src/backup/mvcc-write';

const z = (b: Uint8Array) => concatBytes(new Uint8Array([0x7a]), b);
const entry = (tableId: number, handle: number, ts: bigint, startTs = ts - 1n) => ({
  key: z(appendTs(encodeBytes(recordKey(tableId, handle)), ts)),
  value: encodeMvccWrite({ type: 'put', startTs, shortValue: new Uint8Array([handle]) }),
});
const rule = (over: Partial<DownloadRule> = {}): DownloadRule => ({
  oldKeyPrefix: encodeKeyPrefix(recordPrefix(100)),
  newKeyPrefix: encodeKeyPrefix(recordPrefix(200)),
  newTimestamp: 0n,
  ignoreAfterTimestamp: 0n,
  ignoreBeforeTimestamp: 0n,
  ...over,
});
const all = { start: new Uint8Array(0), end: new Uint8Array(0), endExclusive: false };
const decoded = (kvs: { key: Uint8Array }[]) => kvs.map((kv) => decodeMvccKey(kv.key));

describe('rewriteSstEntries (TiKV download rewrite)', () => {
  it('replaces the encoded old prefix by the new one and keeps the ts', () => {
    const r = rewriteSstEntries([entry(100, 1, 50n), entry(100, 2, 60n)], 'write', rule(), all);
    if ('error' in r) throw new Error(r.error);
    expect(decoded(r.kvs)).toEqual([
      { rawKey: recordKey(200, 1), ts: 50n },
      { rawKey: recordKey(200, 2), ts: 60n },
    ]);
    expect(r.first).toEqual(appendTs(encodeBytes(recordKey(200, 1)), 50n));
    expect(r.last).toEqual(appendTs(encodeBytes(recordKey(200, 2)), 60n));
  });

  it('rewrites the key ts and the write record start_ts when new_timestamp is set', () => {
    const r = rewriteSstEntries([entry(100, 1, 50n, 40n)], 'write', rule({ newTimestamp: 999n }), all);
    if ('error' in r) throw new Error(r.error);
    expect(decoded(r.kvs)[0]!.ts).toBe(999n);
    expect(decodeMvccWrite(r.kvs[0]!.value)).toMatchObject({ type: 'put', startTs: 999n, shortValue: new Uint8Array([1]) });
  });

  it('drops versions outside the ignore-before/after window', () => {
    const r = rewriteSstEntries([entry(100, 1, 10n), entry(100, 2, 50n), entry(100, 3, 90n)], 'write', rule({ ignoreBeforeTimestamp: 20n, ignoreAfterTimestamp: 80n }), all);
    if ('error' in r) throw new Error(r.error);
    expect(decoded(r.kvs).map((k) => k.ts)).toEqual([50n]);
  });

  it('keeps only keys in the requested range; a key equal to the end is out (keys carry a ts suffix)', () => {
    const end = encodeBytes(recordKey(200, 3));
    const r = rewriteSstEntries([entry(100, 1, 5n), entry(100, 3, 5n), entry(100, 4, 5n)], 'write', rule(), { start: encodeBytes(recordKey(200, 1)), end, endExclusive: false });
    if ('error' in r) throw new Error(r.error);
    expect(decoded(r.kvs).map((k) => k.rawKey)).toEqual([recordKey(200, 1)]);
  });

  it('fails with WrongKeyPrefix when a key does not carry the old prefix', () => {
    const r = rewriteSstEntries([entry(101, 1, 5n)], 'write', rule(), all);
    expect('error' in r && r.error).toMatch(/WrongKeyPrefix/);
  });

  it('encodes raw prefixes itself for keyspace-mode requests', () => {
    const raw = { ...rule(), oldKeyPrefix: indexPrefix(100, 1), newKeyPrefix: indexPrefix(200, 2) };
    expect(ruleForRequest(raw, true).oldKeyPrefix).toEqual(encodeKeyPrefix(indexPrefix(100, 1)));
    expect(ruleForRequest(raw, false).oldKeyPrefix).toEqual(indexPrefix(100, 1));
  });
});
