import { columnTypeDesc, createDatabaseSql, createTableSql, indexDefinition, partitionClause, partitionExprToWrite, quoteIdent } from '../../../src/plan/create-sql';
import type { FieldType, TableInfo } from '../../../src/plan/table-info';
import { col, idx, tableInfo } from './manifest-builder';
import { readRealManifest } from './real-manifests';

const ft = (Tp: number, Flen: number, Decimal = 0, Flag = 0, Charset = 'binary', Elems: string[] | null = null): FieldType => ({
  Tp, Flen, Decimal, Flag, Charset, Collate: Charset === 'binary' ? 'binary' : `${Charset}_bin`, Elems,
});

describe('column type text (TiDB FieldType.CompactStr / ColumnInfo.GetTypeDesc)', () => {
  it.each([
    [ft(3, 11), 'int(11)'],
    [ft(3, 10, 0, 32), 'int(10) unsigned'],
    [ft(8, 20, 0, 32 | 64), 'bigint(20) unsigned zerofill'],
    [ft(1, 4), 'tinyint(4)'],
    [ft(246, 12, 2), 'decimal(12,2)'],
    [ft(246, -1, -1), 'decimal(10,0)'],
    [ft(5, 22, -1), 'double'],
    [ft(4, 7, 3), 'float(7,3)'],
    [ft(12, 19, 0), 'datetime'],
    [ft(12, 23, 3), 'datetime(3)'],
    [ft(7, 26, 6), 'timestamp(6)'],
    [ft(10, 10), 'date'],
    [ft(11, 10, 0), 'time'],
    [ft(13, 4, 0, 32), 'year(4)'],
    [ft(16, 8, 0, 32), 'bit(8)'],
    [ft(15, 10, 0, 0, 'utf8mb4'), 'varchar(10)'],
    [ft(15, 16, 0, 128, 'binary'), 'varbinary(16)'],
    [ft(254, 2, 0, 0, 'utf8mb4'), 'char(2)'],
    [ft(254, 16, 0, 128, 'binary'), 'binary(16)'],
    [ft(252, 65535, 0, 0, 'utf8mb4'), 'text'],
    [ft(251, 4294967295, 0, 128, 'binary'), 'longblob'],
    [ft(245, 4294967295, 0, 128, 'binary'), 'json'],
    [ft(247, -1, 0, 0, 'utf8mb4', ['a', "it's"]), "enum('a','it''s')"],
    [ft(248, -1, 0, 0, 'utf8mb4', ['x', 'y']), "set('x','y')"],
    // VECTOR (TiDB v8.4+, TypeTiDBVectorFloat32 = 225): Flen is the dimension; -1 (what v8.5.3 stores) or 0 means any.
    [ft(225, -1, 0, 128), 'vector'],
    [ft(225, 0, 0, 128), 'vector'],
    [ft(225, 3, 0, 128), 'vector(3)'],
  ])('%j → %s', (f, want) => {
    expect(columnTypeDesc(f)).toBe(want);
  });
});

describe('createTableSql', () => {
  // SHOW CREATE TABLE of go-tpc's warehouse on TiDB 7.1 (int PK as handle → clustered, no index entry).
  it('renders the real tpcc tables as TiDB SHOW CREATE TABLE prints them', async () => {
    const m = await readRealManifest('v1-tpcc');
    const byName = new Map(m.tables.map((t) => [t.name, t.info]));
    expect(createTableSql(byName.get('warehouse')!)).toBe(
      'CREATE TABLE `warehouse` (\n' +
        '  `w_id` int(11) NOT NULL,\n' +
        '  `w_name` varchar(10) DEFAULT NULL,\n' +
        '  `w_street_1` varchar(20) DEFAULT NULL,\n' +
        '  `w_street_2` varchar(20) DEFAULT NULL,\n' +
        '  `w_city` varchar(20) DEFAULT NULL,\n' +
        '  `w_state` char(2) DEFAULT NULL,\n' +
        '  `w_zip` char(9) DEFAULT NULL,\n' +
        '  `w_tax` decimal(4,4) DEFAULT NULL,\n' +
        '  `w_ytd` decimal(12,2) DEFAULT NULL,\n' +
        '  PRIMARY KEY (`w_id`) /*T![clustered_index] CLUSTERED */\n' +
        ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
    );
    // Composite PK on a non-clustered table, plus a secondary index (tpcc orders).
    expect(createTableSql(byName.get('orders')!)).toBe(
      'CREATE TABLE `orders` (\n' +
        '  `o_id` int(11) NOT NULL,\n' +
        '  `o_d_id` int(11) NOT NULL,\n' +
        '  `o_w_id` int(11) NOT NULL,\n' +
        '  `o_c_id` int(11) DEFAULT NULL,\n' +
        '  `o_entry_d` datetime DEFAULT NULL,\n' +
        '  `o_carrier_id` int(11) DEFAULT NULL,\n' +
        '  `o_ol_cnt` int(11) DEFAULT NULL,\n' +
        '  `o_all_local` int(11) DEFAULT NULL,\n' +
        '  PRIMARY KEY (`o_w_id`,`o_d_id`,`o_id`) /*T![clustered_index] NONCLUSTERED */,\n' +
        '  KEY `idx_order` (`o_w_id`,`o_d_id`,`o_c_id`,`o_id`)\n' +
        ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
    );
    expect(createDatabaseSql(m.databases[0]!.info)).toBe('CREATE DATABASE IF NOT EXISTS `tpcc` /*!40100 DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin */');
  });

  it('renders defaults, auto_increment, charsets, comments, unique/prefix/invisible indexes and TiDB-only options', () => {
    const t: TableInfo = tableInfo(5, 'we`ird', {
      pk_is_handle: false,
      is_common_handle: true,
      comment: "owner's table",
      ShardRowIDBits: 0,
      auto_id_cache: 1,
      cols: [
        col(1, 'id', 0, { type: ft(8, 20, 0, 1 | 2 | 512 | 4096) }),
        col(2, 'name', 1, { default: 'a\\b', type: { ...ft(15, 64, 0, 1, 'utf8mb4'), Collate: 'utf8mb4_general_ci' } }),
        col(3, 'latin', 2, { type: { ...ft(254, 3, 0, 0, 'latin1'), Collate: 'latin1_bin' } }),
        col(4, 'ts', 3, { default: 'CURRENT_TIMESTAMP', type: ft(7, 23, 3, 8192 | 1 | 128) }),
        col(5, 'maybe', 4, { type: ft(7, 19, 0, 128) }),
        col(6, 'flags', 5, { default: '\u0005', default_bit: 'BQ==', type: ft(16, 3, 0, 32) }),
        col(7, 'total', 6, { comment: 'sum', generated_expr_string: '`id` * 2', generated_stored: true, type: ft(8, 20) }),
      ],
      index_info: [
        idx(1, 'PRIMARY', [{ name: 'id', offset: 0 }], { is_primary: true, is_unique: true }),
        idx(2, 'uk_name', [{ name: 'name', offset: 1, length: 10 }], { is_unique: true, comment: 'prefix' }),
        idx(3, 'k_hidden', [{ name: 'latin', offset: 2 }], { is_invisible: true }),
        idx(4, 'k_dropping', [{ name: 'ts', offset: 3 }], { state: 4 }),
      ],
    });
    expect(createTableSql(t, { ifNotExists: true, autoIncrement: 30001 })).toBe(
      'CREATE TABLE IF NOT EXISTS `we``ird` (\n' +
        '  `id` bigint(20) NOT NULL AUTO_INCREMENT,\n' +
        "  `name` varchar(64) COLLATE utf8mb4_general_ci NOT NULL DEFAULT 'a\\\\b',\n" +
        '  `latin` char(3) CHARACTER SET latin1 COLLATE latin1_bin DEFAULT NULL,\n' +
        '  `ts` timestamp(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),\n' +
        '  `maybe` timestamp NULL DEFAULT NULL,\n' +
        "  `flags` bit(3) DEFAULT b'101',\n" +
        "  `total` bigint(20) GENERATED ALWAYS AS (`id` * 2) STORED COMMENT 'sum',\n" +
        '  PRIMARY KEY (`id`) /*T![clustered_index] CLUSTERED */,\n' +
        "  UNIQUE KEY `uk_name` (`name`(10)) COMMENT 'prefix',\n" +
        '  KEY `k_hidden` (`latin`) /*!80000 INVISIBLE */\n' +
        ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin AUTO_INCREMENT=30001 /*T![auto_id_cache] AUTO_ID_CACHE=1 */ COMMENT='owner''s table'",
    );
  });

  it('renders auto_random, shard_row_id_bits and pre_split_regions in TiDB comments', () => {
    const ar = tableInfo(6, 'ar', { auto_random_bits: 5, pre_split_regions: 2, cols: [col(1, 'id', 0, { type: ft(8, 20, 0, 1 | 2 | 4096) })] });
    expect(createTableSql(ar)).toBe(
      'CREATE TABLE `ar` (\n  `id` bigint(20) NOT NULL /*T![auto_rand] AUTO_RANDOM(5) */,\n  PRIMARY KEY (`id`) /*T![clustered_index] CLUSTERED */\n' +
        ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin /*T! PRE_SPLIT_REGIONS=2 */',
    );
    const sh = tableInfo(7, 'sh', { pk_is_handle: false, ShardRowIDBits: 4, pre_split_regions: 2, cols: [col(1, 'a', 0)] });
    expect(createTableSql(sh)).toBe('CREATE TABLE `sh` (\n  `a` int(11) DEFAULT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin /*T! SHARD_ROW_ID_BITS=4 PRE_SPLIT_REGIONS=2 */');
  });

  it('renders range, range columns, list, hash and key partitioning (ddl.AppendPartitionInfo)', () => {
    const def = (id: number, name: string, extra: object = {}) => ({ id, name: { O: name, L: name }, less_than: null, ...extra });
    expect(partitionClause({ type: 1, expr: '`id`', columns: null, enable: true, definitions: [def(1, 'p0', { less_than: ['10'] }), def(2, 'pmax', { less_than: ['MAXVALUE'], comment: 'rest' })] })).toBe(
      "\nPARTITION BY RANGE (`id`)\n(PARTITION `p0` VALUES LESS THAN (10),\n PARTITION `pmax` VALUES LESS THAN (MAXVALUE) COMMENT 'rest')",
    );
    expect(partitionClause({ type: 1, expr: '', columns: [{ O: 'a', L: 'a' }, { O: 'b', L: 'b' }], enable: true, definitions: [def(1, 'p0', { less_than: ["'x'", '3'] })] })).toBe(
      "\nPARTITION BY RANGE COLUMNS(`a`,`b`)\n(PARTITION `p0` VALUES LESS THAN ('x',3))",
    );
    expect(partitionClause({ type: 3, expr: '`c`', columns: null, enable: true, definitions: [def(1, 'p0', { in_values: [['1'], ['2']] }), def(2, 'pd', { in_values: [['DEFAULT']] })] })).toBe(
      '\nPARTITION BY LIST (`c`)\n(PARTITION `p0` VALUES IN (1,2),\n PARTITION `pd` DEFAULT)',
    );
    expect(partitionClause({ type: 2, expr: '`id`', columns: null, enable: true, num: 2, definitions: [def(1, 'p0'), def(2, 'p1')] })).toBe('\nPARTITION BY HASH (`id`) PARTITIONS 2');
    expect(partitionClause({ type: 4, expr: '', columns: [{ O: 'a', L: 'a' }], enable: true, num: 3, definitions: [def(1, 'p0'), def(2, 'p1'), def(3, 'p2')] })).toBe('\nPARTITION BY KEY (`a`) PARTITIONS 3');
    expect(partitionClause({ type: 4, expr: '', columns: [{ O: 'a', L: 'a' }], enable: true, num: 1, definitions: [def(1, 'x')] })).toBe('\nPARTITION BY KEY (`a`)\n(PARTITION `x`)');
    expect(partitionClause({ type: 2, expr: '`id`', columns: null, enable: true, num: 2, definitions: [def(1, 'a'), def(2, 'b')] })).toBe(
      '\nPARTITION BY HASH (`id`)\n(PARTITION `a`,\n PARTITION `b`)',
    );
  });

  it('writes KEY () with its empty column list (is_empty_columns: the primary key), as v8.5.3 records it', () => {
    const def = (id: number, name: string) => ({ id, name: { O: name, L: name }, less_than: null });
    const p = { type: 4, expr: '', columns: [{ O: 'id', L: 'id' }], is_empty_columns: true, enable: true, num: 2, definitions: [def(1, 'p0'), def(2, 'p1')] };
    expect(partitionClause(p)).toBe('\nPARTITION BY KEY () PARTITIONS 2');
    expect(partitionClause(p, { text: 'as-shown' })).toBe('\nPARTITION BY KEY () PARTITIONS 2');
    // Plans of restores recorded before listed the columns; theirs must not change (content hash).
    expect(partitionClause(p, { text: 'legacy' })).toBe('\nPARTITION BY KEY (`id`) PARTITIONS 2');
  });

  it('writes a partition expression without the brackets TiDB stores around binary operations; SHOW CREATE TABLE keeps them', () => {
    const def = (id: number, name: string) => ({ id, name: { O: name, L: name }, less_than: null });
    const p = { type: 2, expr: '(`id`%7)', columns: null, enable: true, num: 2, definitions: [def(1, 'p0'), def(2, 'p1')] };
    expect(partitionClause(p)).toBe('\nPARTITION BY HASH (`id`%7) PARTITIONS 2');
    expect(partitionClause(p, { text: 'as-shown' })).toBe('\nPARTITION BY HASH ((`id`%7)) PARTITIONS 2');
    expect(partitionClause(p, { text: 'legacy' })).toBe('\nPARTITION BY HASH ((`id`%7)) PARTITIONS 2');
  });

  // Stored text (information_schema.PARTITIONS.PARTITION_EXPRESSION on v8.5.3) → what to write so it is stored again.
  it.each([
    ['`id`', '`id`'],
    ['YEAR(`d`)', 'YEAR(`d`)'],
    ['(`id`%7)', '`id`%7'],
    ['(`a`+(`b`*2))', '`a`+`b`*2'],
    ['(((`a`+1))*2)', '(`a`+1)*2'], // written (a + 1) * 2: the user's parentheses stay
    ['ABS((`a`-`b`))', 'ABS(`a`-`b`)'],
    ['(TO_DAYS(`a`) DIV 7)', 'TO_DAYS(`a`) DIV 7'],
    ['(`a` MOD 3)', '`a` MOD 3'],
    ['-`a`', '-`a`'],
    ['(-`a`)', '(-`a`)'], // written (-a): no binary operation inside
    ['(`a`)', '(`a`)'],
    ["(`s`='a(b')", "`s`='a(b'"],
    ['((`a`)+1)', '(`a`)+1'],
  ])('partition expression %s is written %s', (stored, written) => {
    expect(partitionExprToWrite(stored)).toBe(written);
  });

  it('marks a global index GLOBAL after its other options, as SHOW CREATE TABLE prints it', () => {
    const t = tableInfo(1, 'g', { pk_is_handle: false, cols: [col(1, 'id', 0), col(2, 'u', 1)] });
    const ug = idx(1, 'ug', [{ name: 'u', offset: 1 }], { is_unique: true, is_global: true, is_invisible: true, comment: 'cc' });
    expect(indexDefinition(t, ug)).toBe("UNIQUE KEY `ug` (`u`) /*!80000 INVISIBLE */ COMMENT 'cc' /*T![global_index] GLOBAL */");
    const pk = idx(2, 'PRIMARY', [{ name: 'u', offset: 1 }], { is_primary: true, is_unique: true, is_global: true, comment: 'pk' });
    expect(indexDefinition(t, pk)).toBe("PRIMARY KEY (`u`) COMMENT 'pk' /*T![clustered_index] NONCLUSTERED */ /*T![global_index] GLOBAL */");
  });

  it('quotes identifiers with doubled backquotes', () => {
    expect(quoteIdent('a`b')).toBe('`a``b`');
  });
});
