import { TidbClient, TidbError } from '../../../src/cluster/tidb';
import { startTidbFront, type TidbFront } from '../../../src/simulator/tidb/tidb-front';

/**
 * The TiDB reads and writes of the restore pre-checks, through the real client against the simulated front:
 * row-handle layouts of existing tables in two bulk reads, and SET TIFLASH REPLICA with TiDB's store check.
 */
describe('TidbClient pre-check calls against the simulated TiDB front', () => {
  let front: TidbFront;
  let client: TidbClient;

  beforeEach(async () => {
    front = await startTidbFront();
    const [host, port] = front.address.split(':') as [string, string];
    client = new TidbClient({ host, port: Number(port), statusAddress: front.statusAddress, user: 'root', password: '', timeoutMs: 5_000 });
  });

  afterEach(async () => {
    await client.close();
    await front.stop();
  });

  it('reads every existing table’s row handle layout of the named databases (int handle, common handle, _tidb_rowid)', async () => {
    const c = front.catalog;
    c.executeSql('CREATE DATABASE Shop');
    c.executeSql('CREATE TABLE Shop.Ints (id bigint NOT NULL, v int, PRIMARY KEY (id) /*T![clustered_index] CLUSTERED */)');
    c.executeSql('CREATE TABLE Shop.common (k varchar(20) NOT NULL, v int, PRIMARY KEY (k) CLUSTERED)');
    c.executeSql('CREATE TABLE Shop.nonclustered (k varchar(20) NOT NULL, PRIMARY KEY (k) NONCLUSTERED)');
    c.executeSql('CREATE TABLE Shop.nopk (a int, KEY ia (a))');
    c.executeSql('CREATE DATABASE other');
    c.executeSql('CREATE TABLE other.t (id int NOT NULL PRIMARY KEY NONCLUSTERED)');
    c.executeSql('CREATE DATABASE ignored');
    c.executeSql('CREATE TABLE ignored.t (id int NOT NULL PRIMARY KEY)');

    const kinds = await client.readHandleKinds(['shop', 'OTHER', 'absent']);
    const byName = (a: { db: string; name: string }, b: { db: string; name: string }): number => (`${a.db}.${a.name}` < `${b.db}.${b.name}` ? -1 : 1);
    expect(kinds.sort(byName)).toEqual([
      { db: 'Shop', name: 'Ints', kind: 'int-handle' },
      { db: 'Shop', name: 'common', kind: 'clustered' },
      { db: 'Shop', name: 'nonclustered', kind: 'rowid' },
      { db: 'Shop', name: 'nopk', kind: 'rowid' },
      { db: 'other', name: 't', kind: 'rowid' },
    ]);
  });

  it('covers more databases than one IN list holds', async () => {
    for (let i = 0; i < 520; i++) front.catalog.executeSql(`CREATE DATABASE d${i}`);
    front.catalog.executeSql('CREATE TABLE d519.last (k varchar(8) NOT NULL PRIMARY KEY CLUSTERED)');
    front.catalog.executeSql('CREATE TABLE d0.first (id int NOT NULL PRIMARY KEY CLUSTERED)');
    const kinds = await client.readHandleKinds(Array.from({ length: 520 }, (_, i) => `d${i}`));
    expect(kinds).toEqual([
      { db: 'd0', name: 'first', kind: 'int-handle' },
      { db: 'd519', name: 'last', kind: 'clustered' },
    ]);
  });

  it('sets a TiFlash replica with location labels, idempotently, and TiDB refuses more replicas than TiFlash stores', async () => {
    let stores = 2;
    front.catalog.useTiFlashStoreCount(() => stores);
    front.catalog.executeSql('CREATE DATABASE shop');
    front.catalog.executeSql('CREATE TABLE shop.t (id int NOT NULL PRIMARY KEY)');

    await client.setTiFlashReplica('shop', 't', 2, ['zone', "it's"]);
    await client.setTiFlashReplica('shop', 't', 2, ['zone', "it's"]);
    expect(front.catalog.table('shop', 't')?.tiflash_replica).toEqual({ Count: 2, LocationLabels: ['zone', "it's"], Available: false });
    expect((await client.tableInfo('shop', 't'))?.tiflash_replica).toEqual({ Count: 2, LocationLabels: ['zone', "it's"], Available: false });

    stores = 1;
    const err = await client.setTiFlashReplica('shop', 't', 2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TidbError);
    expect((err as TidbError).errno).toBe(1105);
    expect((err as TidbError).message).toContain('the tiflash replica count: 2 should be less than the total tiflash server count: 1');
    // A refused ALTER leaves the table as it was.
    expect(front.catalog.table('shop', 't')?.tiflash_replica?.Count).toBe(2);

    await client.setTiFlashReplica('shop', 't', 0);
    expect(front.catalog.table('shop', 't')?.tiflash_replica).toBeNull();
  });
});
