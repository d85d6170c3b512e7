import { splitStatements, tokenize } from '../../../../src/simulator/tidb/sql-lexer';
import { parseStatement } from '../../../../src/simulator/tidb/sql-parser';
import { SqlError } from '../../../../src/simulator/tidb/sql-error';

describe('TiDB SQL lexer', () => {
  it('lexes the body of /*T![…] */ and /*!NNNNN */ comments as SQL and drops plain comments', () => {
    const words = tokenize("a /*T![clustered_index] CLUSTERED */ b /*!40101 SET x */ c /* skip me */ d -- tail\n e # hash\n 'it''s' `we``ird`")
      .filter((t) => t.kind !== 'eof')
      .map((t) => t.text);
    expect(words).toEqual(['a', 'CLUSTERED', 'b', 'SET', 'x', 'c', 'd', 'e', "it's", 'we`ird']);
  });

  it('splits statements at top-level semicolons only', () => {
    expect(splitStatements("USE d; CREATE TABLE t (a varchar(3) DEFAULT ';'); ")).toEqual(['USE d', "CREATE TABLE t (a varchar(3) DEFAULT ';')"]);
  });
});

describe('TiDB SQL parser', () => {
  it('parses SHOW CREATE TABLE output with TiDB comments, partitions and options', () => {
    const stmt = parseStatement(
      "CREATE TABLE IF NOT EXISTS `d`.`t` (\n  `id` bigint(20) NOT NULL /*T![auto_rand] AUTO_RANDOM(5, 54) */,\n  `e` enum('x','y') DEFAULT 'x',\n  `g` int GENERATED ALWAYS AS (`id` + 1) VIRTUAL,\n  PRIMARY KEY (`id`) /*T![clustered_index] CLUSTERED */,\n  KEY `ke` (`e`(1)) COMMENT 'k'\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin /*T! SHARD_ROW_ID_BITS=4 PRE_SPLIT_REGIONS=2 */ COMMENT='c'\nPARTITION BY LIST COLUMNS(`id`) (PARTITION `p0` VALUES IN (1,2), PARTITION `p1` VALUES IN (3))",
    );
    expect(stmt).toMatchObject({
      kind: 'create-table',
      ifNotExists: true,
      table: { db: 'd', name: 't' },
      columns: [
        { name: 'id', type: { name: 'bigint', length: 20 }, notNull: true, autoRandom: { shardBits: 5, rangeBits: 54 } },
        { name: 'e', type: { name: 'enum', elems: ['x', 'y'] }, default: { value: 'x', isExpr: false } },
        { name: 'g', generated: { expr: '`id` + 1', stored: false } },
      ],
      indexes: [
        { kind: 'primary', clustered: true, columns: [{ name: 'id' }] },
        { kind: 'key', name: 'ke', columns: [{ name: 'e', length: 1 }], comment: 'k' },
      ],
      options: { charset: 'utf8mb4', collate: 'utf8mb4_bin', comment: 'c', shardRowIdBits: 4, preSplitRegions: 2 },
      partition: { type: 'list', columns: ['id'], definitions: [{ name: 'p0', inValues: [['1'], ['2']] }, { name: 'p1', inValues: [['3']] }] },
    });
  });

  it('parses the ALTERs, RENAMEs and SETs brflow and replayed DDL jobs send', () => {
    expect(parseStatement('ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 0 AFTER b, DROP COLUMN x')).toMatchObject({
      kind: 'alter-table',
      specs: [
        { kind: 'add-column', column: { name: 'c', default: { value: '0' } }, position: { kind: 'after', column: 'b' } },
        { kind: 'drop-column', name: 'x' },
      ],
    });
    expect(parseStatement('alter table `d`.`t` auto_increment = 18446744073709551615')).toMatchObject({ specs: [{ kind: 'options', options: { autoIncrement: '18446744073709551615' } }] });
    expect(parseStatement('ALTER TABLE d.t AUTO_RANDOM_BASE = 7')).toMatchObject({ specs: [{ kind: 'options', options: { autoRandomBase: '7' } }] });
    expect(parseStatement('RENAME TABLE a TO b, d.c TO e.f')).toEqual({ kind: 'rename-table', pairs: [{ from: { name: 'a' }, to: { name: 'b' } }, { from: { db: 'd', name: 'c' }, to: { db: 'e', name: 'f' } }] });
    expect(parseStatement("SET @@session.tidb_enable_clustered_index = 'INT_ONLY', sql_mode = ''")).toMatchObject({
      kind: 'set',
      assignments: [
        { name: 'tidb_enable_clustered_index', scope: 'session', value: 'INT_ONLY' },
        { name: 'sql_mode', scope: 'session', value: '' },
      ],
    });
    expect(parseStatement('REPLACE INTO mysql.bind_info SELECT * FROM `__TiDB_BR_Temporary_mysql`.`bind_info`')).toEqual({
      kind: 'replace-select',
      target: { db: 'mysql', name: 'bind_info' },
      source: { db: '__TiDB_BR_Temporary_mysql', name: 'bind_info' },
    });
  });

  it('accepts and drops CHECK constraints, as TiDB without tidb_enable_check_constraint does', () => {
    expect(parseStatement('CREATE TABLE t (a int, CONSTRAINT c1 CHECK (a > 0), b int, CHECK (b < 5) NOT ENFORCED)')).toMatchObject({
      columns: [{ name: 'a' }, { name: 'b' }],
      indexes: [],
    });
  });

  it('reads information_schema SELECTs with a table alias and qualified columns', () => {
    expect(parseStatement("SELECT t.TABLE_NAME, TIDB_TABLE_ID AS id FROM information_schema.TABLES AS t WHERE t.TABLE_SCHEMA = 'd' AND TABLE_NAME IN ('a','b') ORDER BY id DESC LIMIT 3")).toEqual({
      kind: 'select',
      select: {
        items: [
          { kind: 'column', name: 'TABLE_NAME' },
          { kind: 'column', name: 'TIDB_TABLE_ID', alias: 'id' },
        ],
        from: { db: 'information_schema', name: 'TABLES' },
        where: [
          { column: 'TABLE_SCHEMA', op: '=', values: ['d'] },
          { column: 'TABLE_NAME', op: 'in', values: ['a', 'b'] },
        ],
        orderBy: [{ column: 'id', desc: true }],
        limit: 3,
      },
    });
  });

  it('answers anything outside the grammar with 1064 naming the statement', () => {
    for (const sql of ['FLASHBACK TABLE t', 'SELEKT 1', 'CREATE TABLE t (a int', 'ALTER TABLE t']) {
      let err: unknown;
      try {
        parseStatement(sql);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SqlError);
      expect(err).toMatchObject({ errno: 1064, message: expect.stringContaining(`(statement: ${sql})`) });
    }
  });
});
