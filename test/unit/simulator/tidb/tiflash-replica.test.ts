import { Catalog } from '../../../../src/simulator/tidb/catalog';
import { selectInfoSchema } from '../../../../src/simulator/tidb/info-schema';
import { parseStatement } from '../../../../src/simulator/tidb/sql-parser';
import { sqlErrorOf } from '../../../support/sql-error';

describe('SET TIFLASH REPLICA in the simulated TiDB front', () => {
  it('parses the count and the location labels', () => {
    expect(parseStatement("ALTER TABLE `shop`.`t` SET TIFLASH REPLICA 2 LOCATION LABELS 'zone', 'rack'")).toEqual({
      kind: 'alter-table',
      table: { db: 'shop', name: 't' },
      specs: [{ kind: 'set-tiflash-replica', count: 2, locationLabels: ['zone', 'rack'] }],
    });
    expect(parseStatement('alter table t set tiflash replica 0')).toMatchObject({ specs: [{ kind: 'set-tiflash-replica', count: 0, locationLabels: [] }] });
  });

  it('needs as many TiFlash stores as replicas, as TiDB asks PD before accepting', () => {
    let stores = 0;
    const c = new Catalog({ tiflashStoreCount: () => stores });
    c.executeSql('CREATE DATABASE shop');
    c.executeSql('CREATE TABLE shop.t (id int NOT NULL PRIMARY KEY)');
    const e = sqlErrorOf(() => c.executeSql('ALTER TABLE shop.t SET TIFLASH REPLICA 1'));
    expect([e.errno, e.message]).toEqual([1105, 'the tiflash replica count: 1 should be less than the total tiflash server count: 0']);
    expect(c.table('shop', 't')?.tiflash_replica).toBeNull();

    stores = 3;
    c.executeSql("ALTER TABLE shop.t SET TIFLASH REPLICA 3 LOCATION LABELS 'zone'");
    expect(c.table('shop', 't')?.tiflash_replica).toEqual({ Count: 3, LocationLabels: ['zone'], Available: false });
    const rows = selectInfoSchema(c, { items: [{ kind: 'star' }], from: { db: 'information_schema', name: 'tiflash_replica' }, where: [], orderBy: [] });
    expect(rows.rows).toEqual([['shop', 't', c.table('shop', 't')!.id, 3, 'zone', 0, '0']]);

    c.executeSql('ALTER TABLE shop.t SET TIFLASH REPLICA 0');
    expect(c.table('shop', 't')?.tiflash_replica).toBeNull();
  });

  it('refuses replicas of system tables and SET TIFLASH REPLICA mixed with other specs', () => {
    const c = new Catalog({ tiflashStoreCount: () => 2 });
    expect(sqlErrorOf(() => c.executeSql('ALTER TABLE mysql.tidb SET TIFLASH REPLICA 1')).errno).toBe(8200);
    c.executeSql('CREATE DATABASE shop');
    c.executeSql('CREATE TABLE shop.t (id int NOT NULL PRIMARY KEY)');
    expect(sqlErrorOf(() => c.executeSql('ALTER TABLE shop.t SET TIFLASH REPLICA 1, COMMENT = "x"')).errno).toBe(1235);
    expect(sqlErrorOf(() => c.executeSql('ALTER TABLE shop.nope SET TIFLASH REPLICA 1')).errno).toBe(1146);
  });
});
