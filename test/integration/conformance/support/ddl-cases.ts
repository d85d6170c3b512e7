/**
 * The statements of the TiDB conformance suite (tidb-conformance.test.ts), as data: DDL as brflow renders it,
 * histories made on the real TiDB for the planner to reproduce, and DDL jobs as users wrote them (an incremental
 * restore replays their text). Each runs on the simulated and the real TiDB.
 */

/** A DDL case: statements run in a fresh database on both; then the named tables must have equal TableInfo. */
export interface DdlCase {
  name: string;
  statements: string[];
  tables: string[];
}

/** A table with every type and a default of each kind, as a user writes it (replayed jobs carry such text). */
export const WIDE_TABLE =
  'CREATE TABLE wide (id bigint unsigned NOT NULL AUTO_INCREMENT, ti tinyint(1) NOT NULL DEFAULT 1, si smallint zerofill DEFAULT 7, ' +
        "mi mediumint unsigned DEFAULT '9', f float DEFAULT 1.5, fd float(7,3) DEFAULT -2.25, d double DEFAULT 1e3, dc decimal(10,4) DEFAULT 3.14, " +
        "dt datetime(6) DEFAULT '2020-01-02 03:04:05.123456', ts timestamp(3) NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3), " +
        "da date DEFAULT '2021-12-31', tm time DEFAULT '-12:00:01', y year DEFAULT 2024, c char(4) CHARACTER SET latin1 DEFAULT 'ab', " +
        "vc varchar(30) COLLATE utf8mb4_general_ci DEFAULT 'x''y', g varchar(10) CHARACTER SET gbk DEFAULT NULL, bn binary(3) DEFAULT 'a', " +
        "vb varbinary(8) DEFAULT '', e enum('a','b','c') NOT NULL DEFAULT 'b', st set('x','y','z') DEFAULT 'x,z', j json DEFAULT NULL, " +
        "bt bit(12) DEFAULT b'101010101010', tx text COMMENT 'no default', gen int AS (si + 1) VIRTUAL, gs varchar(40) AS (concat(vc, 'z')) STORED, " +
        'dfe varchar(36) DEFAULT (uuid()), PRIMARY KEY (id)) COMMENT = \'wide\' DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci';

export const DDL_CASES: DdlCase[] = [
  {
    name: 'IF NOT EXISTS / IF EXISTS on objects that exist or not answer OK and change nothing',
    tables: ['once'],
    statements: [
      'CREATE TABLE IF NOT EXISTS `once` (\n  `a` int(11) DEFAULT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
      'CREATE TABLE IF NOT EXISTS `once` (\n  `b` int(11) DEFAULT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
      'CREATE DATABASE IF NOT EXISTS `mysql` /*!40100 DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin */',
      'DROP TABLE IF EXISTS `never`',
    ],
  },
  {
    name: 'every column type as create-sql renders it',
    tables: ['types'],
    statements: [
      'CREATE TABLE `types` (\n  `id` int(11) NOT NULL,\n  `ti` tinyint(4) DEFAULT NULL,\n  `si` smallint(6) unsigned DEFAULT NULL,\n  `mi` mediumint(9) DEFAULT NULL,\n' +
        '  `bi` bigint(20) unsigned zerofill DEFAULT NULL,\n  `f` float DEFAULT NULL,\n  `d` double(10,2) DEFAULT NULL,\n  `dec` decimal(12,3) DEFAULT NULL,\n' +
        '  `dt` datetime(3) DEFAULT NULL,\n  `ts` timestamp NULL DEFAULT NULL,\n  `da` date DEFAULT NULL,\n  `tm` time(2) DEFAULT NULL,\n  `y` year(4) DEFAULT NULL,\n' +
        '  `c` char(3) DEFAULT NULL,\n  `vc` varchar(20) COLLATE utf8mb4_general_ci DEFAULT NULL,\n  `bn` binary(4) DEFAULT NULL,\n  `vb` varbinary(9) DEFAULT NULL,\n' +
        '  `tt` tinytext DEFAULT NULL,\n  `tx` text DEFAULT NULL,\n  `mt` mediumtext DEFAULT NULL,\n  `lt` longtext DEFAULT NULL,\n  `tb` tinyblob DEFAULT NULL,\n' +
        '  `bl` blob DEFAULT NULL,\n  `mb` mediumblob DEFAULT NULL,\n  `lb` longblob DEFAULT NULL,\n  `j` json DEFAULT NULL,\n  `e` enum(\'a\',\'bb\') DEFAULT NULL,\n' +
        '  `s` set(\'x\',\'yy\',\'z\') DEFAULT NULL,\n  `b` bit(5) DEFAULT NULL,\n  `l1` varchar(10) CHARACTER SET latin1 COLLATE latin1_bin DEFAULT NULL,\n' +
        '  PRIMARY KEY (`id`) /*T![clustered_index] CLUSTERED */\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
    ],
  },
  {
    name: 'NOT NULL columns with and without defaults (NoDefaultValue flag)',
    tables: ['nn'],
    statements: [
      "CREATE TABLE `nn` (\n  `a` int(11) NOT NULL,\n  `b` varchar(10) NOT NULL DEFAULT 'x',\n  `c` text NOT NULL,\n  `d` blob NOT NULL,\n  `e` json NOT NULL,\n" +
        "  `f` enum('p','q') NOT NULL,\n  `g` bit(3) NOT NULL,\n  `h` int(11) NOT NULL DEFAULT '0',\n  `i` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,\n" +
        '  `k` datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),\n  `n` int(11) NOT NULL AUTO_INCREMENT,\n  KEY `n` (`n`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
    ],
  },
  {
    name: 'BIT defaults are stored as raw bytes with default_bit',
    tables: ['bits'],
    statements: ["CREATE TABLE `bits` (\n  `a` bit(1) DEFAULT b'0',\n  `b` bit(8) DEFAULT b'101',\n  `c` bit(16) DEFAULT b'1000000001',\n  `d` bit(64) DEFAULT b'1'\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"],
  },
  {
    name: 'VECTOR columns (TypeTiDBVectorFloat32)',
    tables: ['vec'],
    statements: ['CREATE TABLE `vec` (\n  `id` int(11) NOT NULL,\n  `v` vector DEFAULT NULL,\n  `v3` vector(3) DEFAULT NULL,\n  `vn` vector(2) NOT NULL,\n  PRIMARY KEY (`id`) /*T![clustered_index] CLUSTERED */\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin'],
  },
  {
    name: 'added columns keep their origin default; ALTER COLUMN SET/DROP DEFAULT; MODIFY … AFTER',
    tables: ['added'],
    statements: [
      'CREATE TABLE `added` (\n  `a` int(11) NOT NULL,\n  `__brflow_col_2` tinyint(4) DEFAULT NULL,\n  PRIMARY KEY (`a`) /*T![clustered_index] NONCLUSTERED */\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
      "ALTER TABLE `added` ADD COLUMN `b` int(11) NOT NULL DEFAULT '5'",
      "ALTER TABLE `added` ADD COLUMN `c` varchar(10) DEFAULT 'old'",
      "ALTER TABLE `added` ADD COLUMN `d` bit(4) DEFAULT b'11'",
      'ALTER TABLE `added` ADD COLUMN `e` datetime DEFAULT CURRENT_TIMESTAMP',
      'ALTER TABLE `added` ADD KEY `idx_c` (`c`)',
      'ALTER TABLE `added` DROP COLUMN `__brflow_col_2`',
      'ALTER TABLE `added` ALTER COLUMN `b` DROP DEFAULT',
      "ALTER TABLE `added` ALTER COLUMN `c` SET DEFAULT 'new'",
      "ALTER TABLE `added` ALTER COLUMN `d` SET DEFAULT b'101'",
      'ALTER TABLE `added` MODIFY COLUMN `c` varchar(10) DEFAULT \'new\' FIRST',
      // DROP DEFAULT sets NoDefaultValue on a nullable column too; SET DEFAULT clears it again.
      'ALTER TABLE `added` ADD COLUMN `f` int(11) DEFAULT NULL',
      'ALTER TABLE `added` ALTER COLUMN `f` DROP DEFAULT',
      "ALTER TABLE `added` ALTER COLUMN `b` SET DEFAULT '9'",
      'ALTER TABLE `added` ADD COLUMN `g` int(11) NOT NULL',
      'ALTER TABLE `added` ADD COLUMN `h` bit(3) NOT NULL',
      // Each type's zero value becomes the origin default of a NOT NULL column added without one.
      'ALTER TABLE `added` ADD COLUMN (`z1` datetime NOT NULL, `z2` decimal(5,2) NOT NULL, `z3` enum(\'x\',\'y\') NOT NULL, `z4` json NOT NULL, `z5` date NOT NULL)',
      'ALTER TABLE `added` ADD COLUMN (`z6` float NOT NULL, `z7` timestamp NOT NULL, `z8` year NOT NULL, `z9` time(2) NOT NULL, `z10` text NOT NULL)',
      "ALTER TABLE `added` ADD COLUMN (`z11` set('p','q') NOT NULL, `z12` bigint unsigned NOT NULL)",
    ],
  },
  {
    name: 'indexes: composite, unique, prefix, invisible, comments; non-clustered and clustered common handle',
    tables: ['ix', 'ch'],
    statements: [
      "CREATE TABLE `ix` (\n  `a` int(11) NOT NULL,\n  `b` varchar(40) DEFAULT NULL,\n  `c` text DEFAULT NULL,\n  `d` int(11) DEFAULT NULL COMMENT 'it''s d',\n  PRIMARY KEY (`a`) /*T![clustered_index] NONCLUSTERED */,\n" +
        "  UNIQUE KEY `uk_bd` (`b`,`d`),\n  KEY `idx_c` (`c`(10)),\n  KEY `idx_d` (`d`) /*!80000 INVISIBLE */,\n  KEY `idx_bc` (`b`(5),`d`) COMMENT 'two'\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin COMMENT='tbl'",
      'CREATE TABLE `ch` (\n  `k` varchar(32) NOT NULL,\n  `r` int(11) NOT NULL,\n  `v` blob DEFAULT NULL,\n  PRIMARY KEY (`k`,`r`) /*T![clustered_index] CLUSTERED */,\n  UNIQUE KEY `uk_v` (`v`(8))\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
    ],
  },
  {
    name: 'partitions: RANGE, RANGE COLUMNS, HASH, KEY, LIST with DEFAULT',
    tables: ['pr', 'prc', 'ph', 'pk', 'pl'],
    statements: [
      'CREATE TABLE `pr` (\n  `id` int(11) NOT NULL,\n  PRIMARY KEY (`id`) /*T![clustered_index] CLUSTERED */\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin\nPARTITION BY RANGE (`id`)\n(PARTITION `p0` VALUES LESS THAN (1000),\n PARTITION `p1` VALUES LESS THAN (MAXVALUE))',
      "CREATE TABLE `prc` (\n  `d` date NOT NULL,\n  `n` varchar(10) DEFAULT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin\nPARTITION BY RANGE COLUMNS(`d`)\n(PARTITION `old` VALUES LESS THAN ('2020-01-01') COMMENT 'before',\n PARTITION `rest` VALUES LESS THAN (MAXVALUE))",
      'CREATE TABLE `ph` (\n  `id` bigint(20) NOT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin\nPARTITION BY HASH (`id`) PARTITIONS 4',
      'CREATE TABLE `pk` (\n  `id` int(11) NOT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin\nPARTITION BY KEY (`id`) PARTITIONS 3',
      'CREATE TABLE `pl` (\n  `id` int(11) NOT NULL,\n  `r` int(11) DEFAULT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin\nPARTITION BY LIST (`r`)\n(PARTITION `pa` VALUES IN (1,2),\n PARTITION `pb` VALUES IN (3),\n PARTITION `pd` DEFAULT)',
    ],
  },
  {
    name: 'auto IDs: AUTO_INCREMENT, AUTO_RANDOM, SHARD_ROW_ID_BITS, AUTO_ID_CACHE and the rebases brflow sends',
    tables: ['ai', 'ar', 'sh'],
    statements: [
      'CREATE TABLE `ai` (\n  `id` bigint(20) NOT NULL AUTO_INCREMENT,\n  `v` int(11) DEFAULT NULL,\n  PRIMARY KEY (`id`) /*T![clustered_index] CLUSTERED */\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin /*T![auto_id_cache] AUTO_ID_CACHE=1 */',
      'ALTER TABLE `ai` AUTO_INCREMENT = 5000',
      'CREATE TABLE `ar` (\n  `id` bigint(20) NOT NULL /*T![auto_rand] AUTO_RANDOM(5) */,\n  PRIMARY KEY (`id`) /*T![clustered_index] CLUSTERED */\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin',
      'ALTER TABLE `ar` AUTO_RANDOM_BASE = 100',
      'CREATE TABLE `sh` (\n  `a` int(11) DEFAULT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin /*T! SHARD_ROW_ID_BITS=4 PRE_SPLIT_REGIONS=2 */',
    ],
  },
  {
    name: 'auto ID bases in the CREATE TABLE, as brflow sends them (plan/auto-ids.ts): a row-ID table, AUTO_INCREMENT, AUTO_RANDOM',
    tables: ['bri', 'bai', 'bar'],
    statements: [
      'CREATE TABLE `bri` (\n  `a` int(11) DEFAULT NULL\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin AUTO_INCREMENT=5000',
      'CREATE TABLE `bai` (\n  `id` bigint(20) NOT NULL AUTO_INCREMENT,\n  `v` int(11) DEFAULT NULL,\n  PRIMARY KEY (`id`) /*T![clustered_index] CLUSTERED */\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin AUTO_INCREMENT=7001',
      'CREATE TABLE `bar` (\n  `id` bigint(20) NOT NULL /*T![auto_rand] AUTO_RANDOM(5) */,\n  PRIMARY KEY (`id`) /*T![clustered_index] CLUSTERED */\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin /*T![auto_rand_base] AUTO_RANDOM_BASE=42000 */',
    ],
  },
];

/**
 * Tables made on the real TiDB with a history (added and dropped columns, defaults changed), whose TableInfo
 * then plays the backup's: brflow plans their DDL (plan/column-ids.ts over create-sql.ts), the plan runs on
 * both TiDBs, and both must hold the same table — which must also be the original, column for column.
 */
export const ROUND_TRIP_SOURCES: { name: string; table: string; statements: string[] }[] = [
  {
    name: 'VECTOR columns (defect 4: the plan threw "unknown mysql type code 225")',
    table: 'vt',
    statements: ["CREATE TABLE vt (id int PRIMARY KEY, v vector, v3 vector(3) NOT NULL, v4 vector(4) DEFAULT NULL COMMENT 'c')"],
  },
  {
    name: 'column-ID gaps, added columns with origin defaults, BIT and text defaults changed after the ADD',
    table: 'hist',
    statements: [
      "CREATE TABLE hist (a int NOT NULL, gone int, b bit(8) DEFAULT b'101', c text NOT NULL, d json, PRIMARY KEY (a) NONCLUSTERED)",
      'ALTER TABLE hist DROP COLUMN gone',
      "ALTER TABLE hist ADD COLUMN e varchar(10) DEFAULT 'first'",
      "ALTER TABLE hist ADD COLUMN f bit(4) NOT NULL DEFAULT b'11'",
      'ALTER TABLE hist ADD COLUMN g int NOT NULL',
      'ALTER TABLE hist ADD COLUMN h bit(3) NOT NULL',
      "ALTER TABLE hist ADD COLUMN i datetime NOT NULL DEFAULT '2020-01-01 00:00:00'",
      'ALTER TABLE hist ADD COLUMN k varchar(5) NOT NULL',
      "ALTER TABLE hist ALTER COLUMN e SET DEFAULT 'later'",
      "ALTER TABLE hist ALTER COLUMN f SET DEFAULT b'1'",
      'ALTER TABLE hist ADD INDEX idx_e (e)',
    ],
  },
  {
    name: 'every type with a default, charsets and collations other than the table\'s, zerofill, generated columns',
    table: 'wide',
    statements: [
      WIDE_TABLE,
    ],
  },
  {
    name: 'columns moved after ADD, odd names and comments, a clustered common handle, an index added later',
    table: 'odd`name',
    statements: [
      "CREATE TABLE `odd``name` (`k` varchar(20) NOT NULL, `名` int COMMENT 'it''s \\\\ here', `sel ect` datetime(3) DEFAULT CURRENT_TIMESTAMP(3), PRIMARY KEY (`k`, `名`) CLUSTERED) COMMENT 'tab''le'",
      "ALTER TABLE `odd``name` ADD COLUMN `new` char(3) DEFAULT 'n' FIRST",
      'ALTER TABLE `odd``name` ADD COLUMN `late` int AFTER `k`',
      'ALTER TABLE `odd``name` ADD UNIQUE KEY `uk late` (`late`, `new`)',
    ],
  },
  {
    name: 'extreme lengths, precisions and display widths',
    table: 'ext',
    statements: [
      'CREATE TABLE ext (a int(5) zerofill, b tinyint(1), c decimal(65,30), d bit(64) DEFAULT b\'1111111111111111111111111111111111111111111111111111111111111111\', ' +
        'e char(255), f varchar(16383), g timestamp(6) NULL, h time(6), i datetime(1) DEFAULT \'2000-01-01 00:00:00.5\', j double(20,10), ' +
        "k float(10), l varbinary(65532), m enum('', ' a ', 'B'), n set(''), o decimal(5,5) DEFAULT '-0.12345', p smallint(3) unsigned DEFAULT '65535', q float(30), r float(0))",
    ],
  },
  {
    name: 'AUTO_RANDOM and SHARD_ROW_ID_BITS tables with added columns',
    table: 'ar',
    statements: [
      'CREATE TABLE ar (id bigint AUTO_RANDOM(4, 32) PRIMARY KEY, v int) PRE_SPLIT_REGIONS = 2',
      "ALTER TABLE ar ADD COLUMN w varchar(4) NOT NULL DEFAULT 'w'",
    ],
  },
  {
    name: 'LIST partitions with a DEFAULT partition',
    table: 'lp',
    statements: ['CREATE TABLE lp (id int, r int) PARTITION BY LIST (r) (PARTITION pa VALUES IN (1,2), PARTITION pd DEFAULT)'],
  },
];

/**
 * DDL jobs of an incremental backup are replayed as their recorded query text (TidbClient.execDdlJob), as users
 * wrote it, not as brflow renders it: the statement forms TiDB records for the common job types.
 */
export const REPLAYED_JOBS: DdlCase[] = [
  {
    name: 'views over columns of one table: aliases, *, a column list, ALGORITHM / SQL SECURITY / CHECK OPTION, OR REPLACE, DROP VIEW',
    tables: ['v1', 'v2', 'v3', 'v4'],
    statements: [
      'CREATE TABLE vb (a int, b varchar(5), c json)',
      'CREATE VIEW v1 AS SELECT a, b FROM vb',
      'CREATE VIEW v2 AS SELECT * FROM vb',
      'CREATE ALGORITHM = MERGE SQL SECURITY INVOKER VIEW v3 (x, y) AS SELECT b AS bee, a FROM vb WITH LOCAL CHECK OPTION',
      'CREATE VIEW v4 AS SELECT a FROM vb',
      'CREATE OR REPLACE VIEW v4 AS SELECT c AS cc FROM vb',
      'CREATE VIEW v5 AS SELECT a FROM vb',
      'DROP VIEW v5',
    ],
  },
  {
    name: 'column jobs: add several, add first/after, rename, change, modify (same type and a type change), drop',
    tables: ['j'],
    statements: [
      'CREATE TABLE j (id int PRIMARY KEY, a int, b varchar(20), c int)',
      'ALTER TABLE j ADD COLUMN d int DEFAULT 1 AFTER a',
      'ALTER TABLE j ADD COLUMN e char(2) FIRST',
      'ALTER TABLE j ADD COLUMN (f int, g text)',
      'ALTER TABLE j RENAME COLUMN b TO bb',
      'ALTER TABLE j CHANGE COLUMN c cc int NOT NULL DEFAULT 3',
      'ALTER TABLE j MODIFY COLUMN bb varchar(40)',
      'ALTER TABLE j MODIFY COLUMN a bigint',
      'ALTER TABLE j MODIFY COLUMN d int DEFAULT 2 AFTER e',
      'ALTER TABLE j DROP COLUMN f',
      'ALTER TABLE j ADD COLUMN h int, ADD INDEX ia (a), MODIFY COLUMN g text',
    ],
  },
  {
    name: 'index jobs: CREATE INDEX, CREATE UNIQUE INDEX, ADD INDEX, RENAME INDEX, DROP INDEX, ALTER INDEX INVISIBLE',
    tables: ['k'],
    statements: [
      'CREATE TABLE k (id int, a int, b varchar(10), PRIMARY KEY (id) NONCLUSTERED)',
      'CREATE INDEX ia ON k (a)',
      'CREATE UNIQUE INDEX ub ON k (b, a)',
      'ALTER TABLE k ADD INDEX ib (b(4)) COMMENT \'prefix\'',
      'ALTER TABLE k RENAME INDEX ia TO ia2',
      'ALTER TABLE k ALTER INDEX ib INVISIBLE',
      'DROP INDEX ub ON k',
      'ALTER TABLE k DROP PRIMARY KEY',
    ],
  },
  {
    name: 'partition jobs: ADD, DROP, TRUNCATE, REORGANIZE (range, list), ADD PARTITIONS and COALESCE (hash), REMOVE PARTITIONING',
    tables: ['pr', 'pl', 'ph', 'pk', 'px', 'pc'],
    statements: [
      'CREATE TABLE pr (id int, v int) PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN (20))',
      "ALTER TABLE pr ADD PARTITION (PARTITION p2 VALUES LESS THAN (30) COMMENT 'new', PARTITION p3 VALUES LESS THAN (40))",
      'ALTER TABLE pr DROP PARTITION p0',
      'ALTER TABLE pr TRUNCATE PARTITION p1, p2',
      'ALTER TABLE pr REORGANIZE PARTITION p2, p3 INTO (PARTITION p2a VALUES LESS THAN (25), PARTITION p2b VALUES LESS THAN (40))',
      'CREATE TABLE pl (id int, r int) PARTITION BY LIST (r) (PARTITION a VALUES IN (1, 2), PARTITION b VALUES IN (3))',
      'ALTER TABLE pl ADD PARTITION (PARTITION c VALUES IN (4, 5))',
      'ALTER TABLE pl DROP PARTITION a',
      'CREATE TABLE ph (id int) PARTITION BY HASH (id) PARTITIONS 2',
      'ALTER TABLE ph ADD PARTITION PARTITIONS 3',
      'ALTER TABLE ph COALESCE PARTITION 2',
      'CREATE TABLE pk (id int) PARTITION BY KEY (id) PARTITIONS 4',
      'ALTER TABLE pk TRUNCATE PARTITION p3',
      'CREATE TABLE px (id int) PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (MAXVALUE))',
      'ALTER TABLE px REMOVE PARTITIONING',
      "CREATE TABLE pc (d date) PARTITION BY RANGE COLUMNS (d) (PARTITION p0 VALUES LESS THAN ('2020-01-01'))",
      "ALTER TABLE pc REORGANIZE PARTITION p0 INTO (PARTITION p0 VALUES LESS THAN ('2021-01-01'))",
    ],
  },
  {
    name: 'foreign keys: named and not, ON DELETE/UPDATE, composite, self-referencing, an existing index reused, ADD and DROP FOREIGN KEY',
    tables: ['child', 'child2', 'tree', 'late'],
    statements: [
      'CREATE TABLE parent (id int PRIMARY KEY, a int, b int, UNIQUE KEY uab (a, b))',
      'CREATE TABLE child (id int, pid int, a int, b int, CONSTRAINT fk FOREIGN KEY (pid) REFERENCES parent (id) ON DELETE CASCADE ON UPDATE SET NULL, FOREIGN KEY (a, b) REFERENCES parent (a, b))',
      'CREATE TABLE child2 (id int, pid int, KEY kp (pid), FOREIGN KEY fk_named_index (pid) REFERENCES parent (id) ON UPDATE RESTRICT)',
      'CREATE TABLE tree (id int PRIMARY KEY, up int, FOREIGN KEY (up) REFERENCES tree (id) ON DELETE NO ACTION)',
      'CREATE TABLE late (id int, pid int)',
      'ALTER TABLE late ADD CONSTRAINT fk_late FOREIGN KEY (pid) REFERENCES parent (id)',
      'ALTER TABLE child DROP FOREIGN KEY fk',
    ],
  },
  {
    name: 'foreign keys with foreign_key_checks = 0 (how a restore adds them): a referenced table not there yet, then created; a cycle',
    tables: ['early', 'ring_a', 'ring_b', 'target'],
    statements: [
      'SET foreign_key_checks = 0',
      'CREATE TABLE early (id int PRIMARY KEY, tid int, KEY fk_t (tid), CONSTRAINT fk_t FOREIGN KEY (tid) REFERENCES target (id) ON DELETE CASCADE)',
      'CREATE TABLE ring_a (id int PRIMARY KEY, b int, KEY fk_b (b))',
      'CREATE TABLE ring_b (id int PRIMARY KEY, a int, KEY fk_a (a))',
      'ALTER TABLE ring_a ADD CONSTRAINT fk_b FOREIGN KEY (b) REFERENCES ring_b (id)',
      'ALTER TABLE ring_b ADD CONSTRAINT fk_a FOREIGN KEY (a) REFERENCES ring_a (id)',
      'ALTER TABLE ring_b ADD CONSTRAINT fk_none FOREIGN KEY (a) REFERENCES nowhere (x)',
      'CREATE TABLE target (id int PRIMARY KEY)',
      'SET foreign_key_checks = 1',
    ],
  },
  {
    name: 'TTL tables (created, changed, disabled, removed) and PLACEMENT POLICY default',
    tables: ['ttl1', 'ttl2', 'ttl3', 'pp'],
    statements: [
      'CREATE TABLE ttl1 (t datetime) TTL = t + INTERVAL 1 DAY',
      "CREATE TABLE ttl2 (t date) TTL = `t` + INTERVAL 3 MONTH TTL_ENABLE = 'OFF' TTL_JOB_INTERVAL = '2h'",
      'ALTER TABLE ttl1 TTL = t + INTERVAL 2 YEAR',
      "ALTER TABLE ttl1 TTL_ENABLE = 'OFF'",
      'CREATE TABLE ttl3 (t timestamp) TTL = t + INTERVAL 10 MINUTE',
      'ALTER TABLE ttl3 REMOVE TTL',
      'CREATE TABLE pp (a int) /*T![placement] PLACEMENT POLICY=`default` */',
    ],
  },
  {
    name: 'sequences: defaults, every option, descending, IF NOT EXISTS, DROP SEQUENCE',
    tables: ['s1', 's2', 's4', 's5'],
    statements: [
      'CREATE SEQUENCE s1',
      "CREATE SEQUENCE s2 START WITH 5 INCREMENT BY 2 MINVALUE 1 MAXVALUE 100 CACHE 10 CYCLE COMMENT 'c'",
      'CREATE SEQUENCE s3 NOCACHE INCREMENT -1',
      'DROP SEQUENCE s3',
      'CREATE SEQUENCE s4 START 3 NO CYCLE NO MAXVALUE NOCACHE',
      'CREATE SEQUENCE s5 INCREMENT -1',
      'CREATE SEQUENCE IF NOT EXISTS s5',
    ],
  },
  {
    name: 'options TiDB ignores or keeps: ENGINE, ROW_FORMAT, FULLTEXT, CACHE / NOCACHE, ALTER DATABASE charset',
    tables: ['op', 'cached', 'uncached', 'in_latin1'],
    statements: [
      'CREATE TABLE op (a int, b text, FULLTEXT KEY ft (b)) ENGINE = InnoDB ROW_FORMAT = COMPACT',
      'ALTER TABLE op ENGINE = InnoDB',
      'ALTER TABLE op ADD FULLTEXT INDEX ft2 (b)',
      'CREATE TABLE cached (a int)',
      'ALTER TABLE cached CACHE',
      'CREATE TABLE uncached (a int)',
      'ALTER TABLE uncached CACHE',
      'ALTER TABLE uncached NOCACHE',
      'ALTER DATABASE CHARACTER SET latin1',
      'CREATE TABLE in_latin1 (a varchar(3))',
    ],
  },
  {
    name: 'table jobs: CREATE TABLE … LIKE, TRUNCATE, RENAME TABLE, table options, comment, charset',
    tables: ['l2', 'm'],
    statements: [
      "CREATE TABLE l (id int PRIMARY KEY AUTO_INCREMENT, v varchar(5)) COMMENT 'c1' AUTO_INCREMENT = 100",
      'CREATE TABLE l2 LIKE l',
      'TRUNCATE TABLE l2',
      "ALTER TABLE l2 COMMENT = 'c2'",
      'RENAME TABLE l TO m',
      'ALTER TABLE m AUTO_INCREMENT = 500',
      'ALTER TABLE m CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci',
    ],
  },
];

REPLAYED_JOBS.push({
  name: 'expression indexes: in CREATE TABLE (named and not), CREATE INDEX and ADD INDEX, unique and composite',
  tables: ['ex'],
  statements: [
    'CREATE TABLE ex (a int, b varchar(10), c bigint, KEY ek ((a + 1)), KEY ((lower(b))), UNIQUE KEY uk ((a * c), b))',
    'CREATE INDEX ek3 ON ex ((upper(b)))',
    'ALTER TABLE ex ADD INDEX ek4 ((c - a), a)',
  ],
});

// The histories the round trips start from are user-written DDL too.
for (const c of ROUND_TRIP_SOURCES) REPLAYED_JOBS.push({ name: `as written: ${c.name}`, tables: [c.table], statements: c.statements });
