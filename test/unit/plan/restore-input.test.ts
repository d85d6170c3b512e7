import { normalizeRestoreInput, RESTORE_INPUT_DEFAULTS } from '../../../src/plan/restore-input';

const minimal = { storage: 's3://bucket/backup-1?endpoint=http://127.0.0.1:9000', pdAddresses: ['127.0.0.1:2379'], tidbAddress: '127.0.0.1:4000' };
const errorsOf = (raw: unknown) => {
  const r = normalizeRestoreInput(raw);
  return 'errors' in r ? r.errors : [];
};

describe('normalizeRestoreInput', () => {
  it("fills BR's defaults (research §11)", () => {
    expect(normalizeRestoreInput(minimal)).toEqual({
      value: {
        ...minimal,
        tidbStatusAddress: '127.0.0.1:10080',
        tidbUser: 'root',
        filters: [],
        caseSensitive: false,
        checksum: true,
        concurrency: 128,
        checksumConcurrency: 4,
        ddlConcurrency: 16,
        rateLimitBytesPerSecond: 0,
        mergeRegionSizeBytes: 96 * 1024 * 1024,
        mergeRegionKeyCount: 960000,
        batchMaxFiles: 256,
        batchMaxBytes: 8 * 1024 ** 3,
        online: false,
        noSchema: false,
        switchModeIntervalMs: 300000,
        gcSafepointTtlMs: 300000,
        gcSafepointRefreshMs: 100000,
        schedulerPauseTtlMs: 300000,
        schedulerPauseRefreshMs: 100000,
      },
    });
    expect(RESTORE_INPUT_DEFAULTS.gcSafepointRefreshMs * 3).toBe(RESTORE_INPUT_DEFAULTS.gcSafepointTtlMs);
  });

  it('keeps given values and db/table', () => {
    const r = normalizeRestoreInput({ ...minimal, db: 'shop', table: 'orders', checksum: false, concurrency: 8, tidbStatusAddress: 'tidb-0:10080' });
    expect('value' in r && [r.value.db, r.value.table, r.value.checksum, r.value.concurrency, r.value.tidbStatusAddress]).toEqual(['shop', 'orders', false, 8, 'tidb-0:10080']);
  });

  it('reports every problem at once, each naming the field and the fix', () => {
    expect(
      errorsOf({
        pdAddresses: ['127.0.0.1'],
        tidbAddress: 'localhost:4000',
        filters: ['db.*', 'bad%.x'],
        concurrency: 0,
        online: 'yes',
        switchModeIntervalMs: 600000,
        bogus: 1,
      }),
    ).toEqual([
      'bogus: unknown field; known fields are storage, pdAddresses, tidbAddress, tidbStatusAddress, tidbUser, filters, db, table, caseSensitive, checksum, concurrency, checksumConcurrency, ddlConcurrency, rateLimitBytesPerSecond, mergeRegionSizeBytes, mergeRegionKeyCount, batchMaxFiles, batchMaxBytes, online, noSchema, switchModeIntervalMs, gcSafepointTtlMs, gcSafepointRefreshMs, schedulerPauseTtlMs, schedulerPauseRefreshMs',
      'storage: missing; give the backup location, e.g. s3://bucket/prefix?endpoint=http://127.0.0.1:9000 or local:///backups/b1',
      'pdAddresses[0]: "127.0.0.1" is not host:port; write it like 127.0.0.1:2379',
      `filters[1]: filter rule 2 "bad%.x": unexpected special character '%' (escape it with \\ or quote the name with backquotes) at position 3`,
      'concurrency: 0 is not an integer between 1 and 10240 workers; omit it for the default 128',
      'online: expected true or false, got "yes"',
      'switchModeIntervalMs: 600000 is not an integer between 1000 and 599999 ms (TiKV leaves import mode after 10 min without one); omit it for the default 300000',
    ]);
  });

  it.each([
    { raw: { ...minimal, tidbPassword: 'hunter2' }, field: 'tidbPassword' },
    { raw: { ...minimal, s3: { secretAccessKey: 'x' } }, field: 's3.secretAccessKey' },
    { raw: { ...minimal, accessKey: 'AKIA' }, field: 'accessKey' },
    { raw: { ...minimal, storage: 's3://b/p?access-key=AKIA&secret-access-key=x' }, field: 'storage' },
    { raw: { ...minimal, tidbAddress: 'mysql://root:pw@127.0.0.1:4000' }, field: 'tidbAddress' },
  ])('rejects secrets ($field) and points at the worker environment, without echoing them', ({ raw, field }) => {
    const errs = errorsOf(raw);
    expect(errs.some((e) => e.startsWith(`${field}:`) && e.includes("through its environment"))).toBe(true);
    expect(errs.join('\n')).not.toMatch(/hunter2|AKIA|:pw@/);
  });

  it('rejects contradictory and unsupported settings', () => {
    expect(errorsOf({ ...minimal, table: 't' })).toEqual(['table: needs db naming its database']);
    expect(errorsOf({ ...minimal, db: 'd', filters: ['d.*'] })).toEqual(['filters: cannot be combined with db/table; give either filters or db (and table)']);
    expect(errorsOf({ ...minimal, storage: 'gcs://b/p' })).toEqual(['storage: "gcs://b/p" uses the unsupported scheme "gcs"; use a path, local:///abs/path, file:///abs/path or s3://bucket/prefix']);
    expect(errorsOf({ ...minimal, gcSafepointTtlMs: 5000, gcSafepointRefreshMs: 5000 })).toEqual([
      'gcSafepointRefreshMs: 5000 must be below gcSafepointTtlMs (5000); BR refreshes every TTL/3',
    ]);
    expect(errorsOf(null)).toEqual(['input: expected an object with at least storage, pdAddresses and tidbAddress']);
  });
});
