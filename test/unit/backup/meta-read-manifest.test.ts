import { createHash } from 'node:crypto';
import { openStorage } from '../../../src/backup/open-storage';
import { readManifest } from '../../../src/backup/read-manifest';
import { MysqlFlag, MysqlType } from '../../../src/plan/table-info';
import { realBrFixtures, readRealBr } from './meta-fixtures';

const BR_VERSION = 'BR\nRelease Version: v6.7.0-alpha-305-g4a9212a209-dirty\nGit Commit Hash: 4a9212a209f46ac25fa229429173b71c9a88fb25\n' +
  'Git Branch: pipe\nGo Version: go1.19.2\nUTC Build Time: 2023-03-16 09:36:59\nRace Enabled: false';

describe('readManifest on real BR backups', () => {
  test('the fixtures are the files the README describes', () => {
    const sha = (p: string) => createHash('sha256').update(readRealBr(p)).digest('hex');
    expect(sha('v1-tpcc/backupmeta')).toBe('344be07ef3686f4db60ae812b8e2c1023526c454bb4245a8938892c896604597');
    expect(sha('v2-500tables/backupmeta')).toBe('f5522b0f1adc96e5fa7cc88da77a8f832f11698b3be9e9057ca3343fc7f3bf2c');
    expect(sha('v2-500tables/backupmeta.schema.000000001')).toBe('51a525bcbf13eead25cad32035fbf7c2f234493039dfb2f4c8a96be1b1668ee7');
  });

  test('v1-tpcc: header and the 9 tpcc tables, schemas inline', async () => {
    const m = await readManifest(openStorage(`${realBrFixtures()}/v1-tpcc`));
    const { databases, tables, ...header } = m;
    expect(header).toEqual({
      metaVersion: 1,
      clusterId: '7211076907329653533',
      clusterVersion: '"7.1.0-alpha"\n',
      brVersion: BR_VERSION,
      startVersion: '0',
      endVersion: '440689413714870273',
      isRawKv: false,
      apiVersion: 0,
      newCollationsEnabled: 'True',
      encrypted: false,
      orphanFiles: [],
      ddlJobs: [],
    });
    expect(databases.map((d) => [d.id, d.name, d.info.charset, d.info.collate])).toEqual([[82, 'tpcc', 'utf8mb4', 'utf8mb4_bin']]);
    // name, table id, column count, index count, int pk as handle
    expect(tables.map((t) => [t.db, t.dbId, t.name, t.id, t.info.cols.length, t.info.index_info?.length ?? 0, t.info.pk_is_handle])).toEqual([
      ['tpcc', 82, 'warehouse', 139, 9, 0, true],
      ['tpcc', 82, 'item', 129, 5, 0, true],
      ['tpcc', 82, 'new_order', 131, 3, 1, false],
      ['tpcc', 82, 'stock', 137, 17, 1, false],
      ['tpcc', 82, 'orders', 135, 8, 2, false],
      ['tpcc', 82, 'order_line', 133, 10, 1, false],
      ['tpcc', 82, 'district', 125, 11, 1, false],
      ['tpcc', 82, 'history', 127, 8, 2, false],
      ['tpcc', 82, 'customer', 123, 21, 2, false],
    ]);
    for (const t of tables) {
      expect(t).toMatchObject({ physicalIds: [t.id], files: [], isSystem: false, crc64xor: '0', totalKvs: '0', totalBytes: '0', tiflashReplicas: 0 });
    }
    expect(tables[0]?.info.cols.map((c) => c.name.O)).toEqual(['w_id', 'w_name', 'w_street_1', 'w_street_2', 'w_city', 'w_state', 'w_zip', 'w_tax', 'w_ytd']);
  });

  test('v2-500tables: header and test.test1..test500 from the schema metafile', async () => {
    const m = await readManifest(openStorage(`local://${realBrFixtures()}/v2-500tables`));
    const { databases, tables, ...header } = m;
    expect(header).toEqual({
      metaVersion: 2,
      clusterId: '7211076907329653533',
      clusterVersion: '"7.1.0-alpha"\n',
      brVersion: BR_VERSION,
      startVersion: '0',
      endVersion: '440691270926467074',
      isRawKv: false,
      apiVersion: 0,
      newCollationsEnabled: 'True',
      encrypted: false,
      orphanFiles: [],
      ddlJobs: [],
    });
    expect(databases.map((d) => [d.id, d.name])).toEqual([[2, 'test']]);
    expect(tables).toHaveLength(500);
    // Stored in no particular order; BR assigned IDs 141, 143, … in creation order (testN → 139 + 2N).
    const byNumber = [...tables].sort((a, b) => Number(a.name.slice(4)) - Number(b.name.slice(4)));
    byNumber.forEach((t, i) => {
      const n = i + 1;
      expect([t.db, t.dbId, t.name, t.id, t.physicalIds, t.files, t.isSystem]).toEqual(['test', 2, `test${n}`, 139 + 2 * n, [139 + 2 * n], [], false]);
      expect(t.info.cols).toHaveLength(1);
      const col = t.info.cols[0];
      expect(col?.name).toEqual({ O: 'key', L: 'key' });
      expect(col?.type.Tp).toBe(MysqlType.Long);
      expect((col?.type.Flag ?? 0) & MysqlFlag.PriKey).toBe(MysqlFlag.PriKey);
      expect(t.info.pk_is_handle).toBe(true);
    });
  });
});
