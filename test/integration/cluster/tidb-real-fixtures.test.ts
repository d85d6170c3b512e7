import { join } from 'node:path';
import { readManifest } from '../../../src/backup/read-manifest';
import { LocalStorage } from '../../../src/backup/local-storage';
import { TidbClient } from '../../../src/cluster/tidb';
import { handleLayout } from '../../../src/cluster/tidb-column-ids';
import { planColumnLayout } from '../../../src/plan/column-ids';
import { createDatabaseSql } from '../../../src/plan/create-sql';
import { startTidbFront, type TidbFront } from '../../../src/simulator/tidb/tidb-front';

const FIXTURES = '/work/shared/fixtures/real-br';

/**
 * Real BR TableInfos (TPC-C and the 500-table v2 backup) rendered by plan/create-sql + plan/column-ids are
 * accepted by the simulated TiDB front, and the tables it creates have the backup's column IDs, handle
 * layout and index names.
 */
describe.each(['v1-tpcc', 'v2-500tables'])('real BR fixture %s through TidbClient', (fixture) => {
  let front: TidbFront;
  let client: TidbClient;

  beforeAll(async () => {
    front = await startTidbFront();
    const [host, port] = front.address.split(':') as [string, string];
    client = new TidbClient({ host, port: Number(port), statusAddress: front.statusAddress, user: 'root', password: '', timeoutMs: 10_000 });
  });

  afterAll(async () => {
    await client.close();
    await front.stop();
  });

  it('creates every table with the backup layout', async () => {
    const manifest = await readManifest(new LocalStorage(join(FIXTURES, fixture)));
    expect(manifest.tables.length).toBeGreaterThan(0);
    await client.createDatabases(manifest.databases.map((d) => createDatabaseSql(d.info, { ifNotExists: true })));
    for (const t of manifest.tables) {
      const layout = planColumnLayout(t.info);
      if (!layout.reproducible) throw new Error(`${t.db}.${t.name}: ${layout.reason}`);
      const placeholders = [...new Set(layout.statements.join('\n').match(/__brflow_col_\d+/g) ?? [])];
      const created = await client.createTable({ db: t.db, table: t.name, statements: layout.statements, backup: t.info, placeholderColumns: placeholders });
      expect([t.name, created.info.cols.map((c) => [c.name.L, c.id])]).toEqual([t.name, t.info.cols.map((c) => [c.name.L, c.id])]);
      expect([t.name, handleLayout(created.info)]).toEqual([t.name, handleLayout(t.info)]);
      expect(new Set((created.info.index_info ?? []).map((i) => i.idx_name.L))).toEqual(new Set((t.info.index_info ?? []).map((i) => i.idx_name.L)));
    }
    const ids = await client.readTableIds(manifest.tables[0]!.db, manifest.tables.map((t) => t.name));
    expect(ids).toHaveLength(manifest.tables.length);
    expect(new Set(ids.map((x) => x.tableId)).size).toBe(manifest.tables.length);
  });
});
