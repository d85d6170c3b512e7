import type {
  AlterSpec,
  ColumnDef,
  ColumnPosition,
  Condition,
  ForeignKeyDef,
  IndexDef,
  PartitionSpec,
  SelectItem,
  SequenceOptions,
  ViewDef,
  SelectStmt,
  Statement,
  TableName,
  TableOptions,
  TypeSpec,
} from './sql-ast';
import { isPlacementOption } from './placement-policies';
import { restoredExpr } from './restored-expr';
import { SqlError } from './sql-error';
import { tokenize } from './sql-lexer';
import { TokenCursor } from './token-cursor';

/**
 * Parses one statement of the grammar brflow sends (SHOW-CREATE-TABLE style DDL, the ALTERs and RENAMEs of
 * replayed DDL jobs, USE/SET, the SELECTs of version checks and information_schema reads, and the
 * system-table REPLACE … SELECT). Anything else is a 1064 naming the statement.
 */
export function parseStatement(sql: string): Statement {
  const c = new TokenCursor(sql, tokenize(sql));
  const stmt = parseTop(c);
  c.acceptPunct(';');
  if (!c.atEnd()) throw c.error();
  return stmt;
}

function parseTop(c: TokenCursor): Statement {
  if (c.acceptWords('create')) return parseCreate(c);
  if (c.acceptWords('drop')) return parseDrop(c);
  if (c.acceptWords('alter', 'table')) return parseAlterTable(c);
  if (c.acceptWords('alter', 'database') || c.acceptWords('alter', 'schema')) {
    const name = c.isWord('default') || c.isWord('character') || c.isWord('charset') || c.isWord('collate') || c.isWord('placement') ? undefined : c.identifier();
    const opts = parseCharsetOptions(c);
    let placementPolicy: string | undefined;
    if (c.acceptWords('placement', 'policy')) {
      c.acceptPunct('=');
      placementPolicy = c.identifier();
    }
    return { kind: 'alter-database', ...(name !== undefined ? { name } : {}), ...opts, ...(placementPolicy !== undefined ? { placementPolicy } : {}) };
  }
  if (c.acceptWords('rename', 'table')) return parseRenameTable(c);
  if (c.acceptWords('truncate')) {
    c.acceptWords('table');
    return { kind: 'truncate-table', table: tableName(c) };
  }
  if (c.acceptWords('use')) return { kind: 'use', db: c.identifier() };
  if (c.acceptWords('set')) return parseSet(c);
  if (c.acceptWords('select')) return { kind: 'select', select: parseSelect(c) };
  if (c.acceptWords('replace', 'into')) return parseReplaceSelect(c);
  if (c.acceptWords('show', 'databases') || c.acceptWords('show', 'schemas')) return { kind: 'show-databases' };
  if (c.acceptWords('show', 'tables') || c.acceptWords('show', 'full', 'tables')) {
    if (c.acceptWords('from') || c.acceptWords('in')) return { kind: 'show-tables', db: c.identifier() };
    return { kind: 'show-tables' };
  }
  if (c.acceptWords('show', 'create', 'table')) return { kind: 'show-create-table', table: tableName(c) };
  if (c.acceptWords('begin') || c.acceptWords('start', 'transaction')) return { kind: 'begin' };
  if (c.acceptWords('commit')) return { kind: 'commit' };
  if (c.acceptWords('rollback')) return { kind: 'rollback' };
  throw c.error();
}

function tableName(c: TokenCursor): TableName {
  const first = c.identifier();
  if (c.acceptPunct('.')) return { db: first, name: c.identifier() };
  return { name: first };
}

function ifNotExists(c: TokenCursor): boolean {
  return c.acceptWords('if', 'not', 'exists');
}

function parseCreate(c: TokenCursor): Statement {
  if (c.acceptWords('placement', 'policy')) {
    const ine = ifNotExists(c);
    const name = c.identifier();
    const settings: Record<string, string | number> = {};
    while (!c.atEnd() && !c.isPunct(';')) {
      const option = c.identifier().toLowerCase();
      if (!isPlacementOption(option)) throw SqlError.unsupported(`placement option ${option.toUpperCase()}`);
      c.acceptPunct('=');
      const v = c.literal();
      settings[option] = v ?? '';
    }
    return { kind: 'create-placement-policy', ifNotExists: ine, name, settings };
  }
  if (c.isWord('or') || c.isWord('algorithm') || c.isWord('definer') || c.isWord('sql') || c.isWord('view')) return { kind: 'create-view', view: viewDef(c) };
  if (c.acceptWords('database') || c.acceptWords('schema')) {
    const ine = ifNotExists(c);
    const name = c.identifier();
    const opts = parseCharsetOptions(c);
    return { kind: 'create-database', ifNotExists: ine, name, ...opts };
  }
  if (c.acceptWords('table')) return parseCreateTable(c);
  if (c.acceptWords('sequence')) {
    const ine = ifNotExists(c);
    return { kind: 'create-sequence', ifNotExists: ine, table: tableName(c), options: sequenceOptions(c) };
  }
  const unique = c.acceptWords('unique');
  if (c.acceptWords('index') || c.acceptWords('key')) {
    const name = c.identifier();
    c.expectWords('on');
    const table = tableName(c);
    const columns = indexColumns(c);
    const index: IndexDef = { kind: unique ? 'unique' : 'key', name, columns, invisible: false };
    indexOptions(c, index);
    return { kind: 'create-index', table, index };
  }
  throw c.error();
}

function parseCharsetOptions(c: TokenCursor): { charset?: string; collate?: string } {
  const out: { charset?: string; collate?: string } = {};
  for (;;) {
    c.acceptWords('default');
    if (c.acceptWords('character', 'set') || c.acceptWords('charset')) {
      c.acceptPunct('=');
      out.charset = c.name().toLowerCase();
    } else if (c.acceptWords('collate')) {
      c.acceptPunct('=');
      out.collate = c.name().toLowerCase();
    } else {
      return out;
    }
  }
}

function parseCreateTable(c: TokenCursor): Statement {
  const ine = ifNotExists(c);
  const table = tableName(c);
  if (c.acceptWords('like')) return { kind: 'create-table-like', ifNotExists: ine, table, like: tableName(c) };
  c.expectPunct('(');
  const columns: ColumnDef[] = [];
  const indexes: IndexDef[] = [];
  const foreignKeys: ForeignKeyDef[] = [];
  do {
    const idx = tryIndexDef(c);
    if (idx === 'ignored') continue;
    if (idx && 'refTable' in idx) foreignKeys.push(idx);
    else if (idx) indexes.push(idx);
    else columns.push(columnDef(c));
  } while (c.acceptPunct(','));
  c.expectPunct(')');
  const options = tableOptions(c);
  const partition = c.acceptWords('partition', 'by') ? partitionSpec(c) : undefined;
  return { kind: 'create-table', ifNotExists: ine, table, columns, indexes, options, ...(partition ? { partition } : {}), ...(foreignKeys.length > 0 ? { foreignKeys } : {}) };
}

/** Table-level constraints: PRIMARY KEY, UNIQUE [KEY|INDEX], KEY/INDEX, FULLTEXT, [CONSTRAINT name] …, FOREIGN KEY. */
function tryIndexDef(c: TokenCursor): IndexDef | ForeignKeyDef | 'ignored' | undefined {
  let constraintName: string | undefined;
  if (c.isWord('check') && c.isPunct('(', 1)) return skipCheck(c);
  if (c.isWord('constraint') && c.isWord('check', 2)) {
    c.next();
    c.identifier();
    return skipCheck(c);
  }
  if (c.isWord('constraint')) {
    c.next();
    if (!c.isWord('primary') && !c.isWord('unique') && !c.isWord('foreign') && !c.isWord('check')) constraintName = c.identifier();
  }
  let kind: IndexDef['kind'];
  if (c.acceptWords('primary', 'key')) kind = 'primary';
  else if (c.acceptWords('unique')) {
    if (!c.acceptWords('key')) c.acceptWords('index');
    kind = 'unique';
  } else if (c.acceptWords('fulltext')) {
    if (!c.acceptWords('key')) c.acceptWords('index');
    kind = 'fulltext';
  } else if ((c.isWord('key') || c.isWord('index')) && !c.isPunct('.', 1) && !isTypeStart(c, 1)) {
    c.next();
    kind = 'key';
  } else if (c.acceptWords('foreign', 'key')) {
    return foreignKey(c, constraintName);
  } else {
    if (constraintName !== undefined) throw c.error();
    return undefined;
  }
  let name = constraintName;
  if (!c.isPunct('(') && !c.isWord('using')) name = c.identifier();
  if (c.acceptWords('using')) c.identifier();
  const columns = indexColumns(c);
  const index: IndexDef = { kind, columns, invisible: false, ...(name !== undefined && kind !== 'primary' ? { name } : {}) };
  indexOptions(c, index);
  return index;
}

const REFER_OPTIONS: [string[], number][] = [[['restrict'], 1], [['cascade'], 2], [['set', 'null'], 3], [['no', 'action'], 4], [['set', 'default'], 5]];

/** The rest of a FOREIGN KEY clause, after the two words. */
function foreignKey(c: TokenCursor, constraintName: string | undefined): ForeignKeyDef {
  let name = constraintName;
  if (!c.isPunct('(')) name ??= c.identifier();
  const columns = indexColumns(c).map((x) => x.name);
  c.expectWords('references');
  const refTable = tableName(c);
  const refColumns = indexColumns(c).map((x) => x.name);
  const fk: ForeignKeyDef = { columns, refTable, refColumns, onDelete: 0, onUpdate: 0, ...(name !== undefined ? { name } : {}) };
  for (;;) {
    const on = c.acceptWords('on', 'delete') ? 'onDelete' : c.acceptWords('on', 'update') ? 'onUpdate' : undefined;
    if (!on) return fk;
    const opt = REFER_OPTIONS.find(([words]) => c.acceptWords(...words));
    if (!opt) throw c.error();
    fk[on] = opt[1];
  }
}

/**
 * CHECK constraints: TiDB before v7.2 parses and ignores them (tidb_enable_check_constraint is OFF by
 * default after that), so the simulator accepts and drops them.
 */
function skipCheck(c: TokenCursor): 'ignored' {
  c.expectWords('check');
  c.parenthesizedText();
  c.acceptWords('not');
  c.acceptWords('enforced');
  return 'ignored';
}

/** `KEY` followed by a type name is a column called "key" (the 500-table fixture has one). */
function isTypeStart(c: TokenCursor, ahead: number): boolean {
  const t = c.peek(ahead);
  return t.kind === 'word' && TYPE_NAMES.has(t.text.toLowerCase());
}

function indexColumns(c: TokenCursor): IndexDef['columns'] {
  c.expectPunct('(');
  const cols: IndexDef['columns'] = [];
  do {
    if (c.isPunct('(')) {
      cols.push({ name: '', expr: c.parenthesizedText() });
      if (!c.acceptWords('asc')) c.acceptWords('desc');
      continue;
    }
    const name = c.identifier();
    let length: number | undefined;
    if (c.acceptPunct('(')) {
      length = c.integer();
      c.expectPunct(')');
    }
    if (!c.acceptWords('asc')) c.acceptWords('desc');
    cols.push({ name, ...(length !== undefined ? { length } : {}) });
  } while (c.acceptPunct(','));
  c.expectPunct(')');
  return cols;
}

function indexOptions(c: TokenCursor, index: IndexDef): void {
  for (;;) {
    if (c.acceptWords('clustered')) index.clustered = true;
    else if (c.acceptWords('nonclustered')) index.clustered = false;
    else if (c.acceptWords('comment')) index.comment = c.string();
    else if (c.acceptWords('using')) c.identifier();
    else if (c.acceptWords('visible')) index.invisible = false;
    else if (c.acceptWords('invisible')) index.invisible = true;
    else if (c.acceptWords('global') || c.acceptWords('local')) continue;
    else if (c.acceptWords('key_block_size')) {
      c.acceptPunct('=');
      c.integer();
    } else return;
  }
}

const TYPE_NAMES = new Set([
  'bit', 'tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'bool', 'boolean', 'decimal', 'numeric', 'dec',
  'fixed', 'float', 'double', 'real', 'date', 'datetime', 'timestamp', 'time', 'year', 'char', 'varchar', 'binary',
  'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set',
  'json', 'serial', 'national', 'nchar', 'nvarchar', 'long', 'int1', 'int2', 'int3', 'int4', 'int8', 'float4', 'float8',
  'vector',
]);

function typeSpec(c: TokenCursor): TypeSpec {
  let name = c.identifier().toLowerCase();
  if (name === 'double' && c.acceptWords('precision')) name = 'double';
  if (name === 'national') name = c.identifier().toLowerCase();
  if (name === 'long' && c.acceptWords('varchar')) name = 'mediumtext';
  if (name === 'character' && c.acceptWords('varying')) name = 'varchar';
  if (!TYPE_NAMES.has(name) && name !== 'character') throw c.error();
  const t: TypeSpec = { name: normalizeTypeName(name), unsigned: false, zerofill: false, binary: false };
  if (c.isPunct('(')) {
    c.next();
    if (t.name === 'enum' || t.name === 'set') {
      t.elems = [];
      do t.elems.push(c.string());
      while (c.acceptPunct(','));
    } else {
      t.length = c.integer();
      if (c.acceptPunct(',')) t.decimal = c.integer();
    }
    c.expectPunct(')');
  }
  for (;;) {
    if (c.acceptWords('unsigned')) t.unsigned = true;
    else if (c.acceptWords('signed')) t.unsigned = false;
    else if (c.acceptWords('zerofill')) {
      t.zerofill = true;
      t.unsigned = true;
    } else if (c.acceptWords('binary')) t.binary = true;
    else if (c.acceptWords('character', 'set') || c.acceptWords('charset')) t.charset = c.name().toLowerCase();
    else if (c.isWord('collate')) {
      c.next();
      t.collate = c.name().toLowerCase();
    } else return t;
  }
}

function normalizeTypeName(name: string): string {
  switch (name) {
    case 'integer':
    case 'int4':
      return 'int';
    case 'int1':
      return 'tinyint';
    case 'int2':
      return 'smallint';
    case 'int3':
      return 'mediumint';
    case 'int8':
      return 'bigint';
    case 'numeric':
    case 'dec':
    case 'fixed':
      return 'decimal';
    case 'real':
    case 'float8':
      return 'double';
    case 'float4':
      return 'float';
    case 'boolean':
      return 'bool';
    case 'character':
    case 'nchar':
      return 'char';
    case 'nvarchar':
      return 'varchar';
    default:
      return name;
  }
}

function columnDef(c: TokenCursor): ColumnDef {
  const name = c.identifier();
  const type = typeSpec(c);
  const col: ColumnDef = { name, type, autoIncrement: false, primaryKey: false, unique: false, onUpdateNow: false };
  if (type.name === 'serial') {
    // SERIAL = BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE
    type.name = 'bigint';
    type.unsigned = true;
    col.notNull = true;
    col.autoIncrement = true;
    col.unique = true;
  }
  for (;;) {
    if (c.acceptWords('not', 'null')) col.notNull = true;
    else if (c.acceptWords('null')) col.notNull = false;
    else if (c.acceptWords('default')) col.default = defaultValue(c);
    else if (c.acceptWords('auto_increment')) col.autoIncrement = true;
    else if (c.acceptWords('auto_random')) {
      let shardBits = 5;
      let rangeBits = 64;
      if (c.acceptPunct('(')) {
        shardBits = c.integer();
        if (c.acceptPunct(',')) rangeBits = c.integer();
        c.expectPunct(')');
      }
      col.autoRandom = { shardBits, rangeBits };
    } else if (c.acceptWords('primary', 'key') || c.acceptWords('key')) col.primaryKey = true;
    else if (c.acceptWords('clustered')) col.clustered = true;
    else if (c.acceptWords('nonclustered')) col.clustered = false;
    else if (c.acceptWords('unique')) {
      c.acceptWords('key');
      col.unique = true;
    } else if (c.acceptWords('comment')) col.comment = c.string();
    else if (c.acceptWords('on', 'update')) {
      c.expressionText(['not', 'null', 'default', 'comment', 'auto_increment', 'primary', 'unique', 'collate']);
      col.onUpdateNow = true;
    } else if (c.acceptWords('collate')) col.type.collate = c.name().toLowerCase();
    else if (c.acceptWords('character', 'set') || c.acceptWords('charset')) col.type.charset = c.name().toLowerCase();
    else if (c.acceptWords('generated', 'always', 'as') || c.acceptWords('as')) {
      const expr = c.parenthesizedText();
      let stored = false;
      if (c.acceptWords('stored')) stored = true;
      else c.acceptWords('virtual');
      col.generated = { expr, stored };
    } else if (c.acceptWords('column_format') || c.acceptWords('storage')) c.identifier();
    else if (c.acceptWords('visible') || c.acceptWords('invisible')) continue;
    else return col;
  }
}

function defaultValue(c: TokenCursor): NonNullable<ColumnDef['default']> {
  if (c.isPunct('(')) return { value: c.parenthesizedText(), isExpr: true };
  const t = c.peek();
  if (t.kind === 'word' && !['null', 'true', 'false'].includes(t.text.toLowerCase())) {
    // CURRENT_TIMESTAMP[(n)], NOW(), b'0101' style words: keep the text; functions are expressions.
    const text = c.expressionText(['not', 'null', 'comment', 'auto_increment', 'primary', 'unique', 'on', 'collate', 'key']);
    return { value: text, isExpr: /\(|^current_timestamp$|^localtime/i.test(text) };
  }
  const quoted = t.kind === 'string';
  return { value: c.literal(), isExpr: false, ...(quoted ? { quoted } : {}) };
}

function tableOptions(c: TokenCursor): TableOptions {
  const o: TableOptions = {};
  for (;;) {
    c.acceptWords('default');
    if (c.acceptWords('character', 'set') || c.acceptWords('charset')) {
      c.acceptPunct('=');
      o.charset = c.name().toLowerCase();
    } else if (c.acceptWords('collate')) {
      c.acceptPunct('=');
      o.collate = c.name().toLowerCase();
    } else if (c.acceptWords('comment')) {
      c.acceptPunct('=');
      o.comment = c.string();
    } else if (c.acceptWords('auto_increment')) {
      c.acceptPunct('=');
      o.autoIncrement = String(c.literal());
    } else if (c.acceptWords('auto_random_base')) {
      c.acceptPunct('=');
      o.autoRandomBase = String(c.literal());
    } else if (c.acceptWords('auto_id_cache')) {
      c.acceptPunct('=');
      o.autoIdCache = String(c.literal());
    } else if (c.acceptWords('shard_row_id_bits')) {
      c.acceptPunct('=');
      o.shardRowIdBits = c.integer();
    } else if (c.acceptWords('pre_split_regions')) {
      c.acceptPunct('=');
      o.preSplitRegions = c.integer();
    } else if (c.acceptWords('engine') || c.acceptWords('row_format') || c.acceptWords('stats_persistent')) {
      c.acceptPunct('=');
      c.literal();
    } else if (c.acceptWords('placement', 'policy')) {
      c.acceptPunct('=');
      o.placementPolicy = c.identifier();
    } else if (c.acceptWords('ttl')) {
      c.acceptPunct('=');
      const column = c.identifier();
      c.expectPunct('+');
      c.expectWords('interval');
      const interval = c.expressionText(['day', 'week', 'month', 'quarter', 'year', 'hour', 'minute', 'second', 'microsecond']);
      o.ttl = { column, interval, unit: c.identifier().toLowerCase() };
    } else if (c.acceptWords('ttl_enable')) {
      c.acceptPunct('=');
      o.ttlEnable = String(c.literal()).toUpperCase() === 'ON';
    } else if (c.acceptWords('ttl_job_interval')) {
      c.acceptPunct('=');
      o.ttlJobInterval = String(c.literal());
    } else return o;
  }
}

function partitionSpec(c: TokenCursor): PartitionSpec {
  let type: PartitionSpec['type'];
  if (c.acceptWords('range')) type = 'range';
  else if (c.acceptWords('list')) type = 'list';
  else if (c.acceptWords('hash')) type = 'hash';
  else if (c.acceptWords('linear', 'hash')) type = 'hash';
  else if (c.acceptWords('key') || c.acceptWords('linear', 'key')) type = 'key';
  else throw c.error();
  const spec: PartitionSpec = { type, definitions: [] };
  if (type === 'key' || c.acceptWords('columns')) {
    c.expectPunct('(');
    spec.columns = [];
    if (!c.isPunct(')')) {
      do spec.columns.push(c.identifier());
      while (c.acceptPunct(','));
    }
    c.expectPunct(')');
  } else {
    spec.expr = restoredExpr(c.parenthesizedText());
  }
  if (c.acceptWords('partitions')) spec.num = c.integer();
  if (c.isPunct('(')) {
    spec.definitions = partitionDefinitions(c);
  } else if (type === 'hash' || type === 'key') {
    const num = spec.num ?? 1;
    for (let i = 0; i < num; i++) spec.definitions.push({ name: `p${i}` });
  } else {
    throw c.error();
  }
  return spec;
}

/** `(PARTITION p VALUES LESS THAN (…) | VALUES IN (…) | DEFAULT [COMMENT '…'], …)`. */
function partitionDefinitions(c: TokenCursor): PartitionSpec['definitions'] {
  c.expectPunct('(');
  const defs: PartitionSpec['definitions'] = [];
  do {
    c.expectWords('partition');
    const name = c.identifier();
    const def: PartitionSpec['definitions'][number] = { name };
    if (c.acceptWords('values', 'less', 'than')) {
      if (c.acceptWords('maxvalue')) def.lessThan = ['MAXVALUE'];
      else {
        c.expectPunct('(');
        def.lessThan = [];
        do def.lessThan.push(c.expressionText());
        while (c.acceptPunct(','));
        c.expectPunct(')');
      }
    } else if (c.acceptWords('values', 'in')) {
      c.expectPunct('(');
      def.inValues = [];
      do {
        if (c.isPunct('(')) {
          c.next();
          const tuple: string[] = [];
          do tuple.push(c.expressionText());
          while (c.acceptPunct(','));
          c.expectPunct(')');
          def.inValues.push(tuple);
        } else def.inValues.push([c.expressionText()]);
      } while (c.acceptPunct(','));
      c.expectPunct(')');
    } else if (c.acceptWords('default')) {
      // LIST's catch-all partition; TiDB stores it as the single value "DEFAULT".
      def.inValues = [['DEFAULT']];
    }
    for (;;) {
      if (c.acceptWords('comment')) {
        c.acceptPunct('=');
        def.comment = c.string();
      } else if (c.acceptWords('engine')) {
        c.acceptPunct('=');
        c.identifier();
      } else break;
    }
    defs.push(def);
  } while (c.acceptPunct(','));
  c.expectPunct(')');
  return defs;
}

function identifierList(c: TokenCursor): string[] {
  const names: string[] = [];
  do names.push(c.identifier());
  while (c.acceptPunct(','));
  return names;
}

function position(c: TokenCursor): ColumnPosition {
  if (c.acceptWords('first')) return { kind: 'first' };
  if (c.acceptWords('after')) return { kind: 'after', column: c.identifier() };
  return { kind: 'none' };
}

function parseAlterTable(c: TokenCursor): Statement {
  const table = tableName(c);
  const specs: AlterSpec[] = [];
  do specs.push(...[alterSpec(c)].flat());
  while (c.acceptPunct(','));
  return { kind: 'alter-table', table, specs };
}

function alterSpec(c: TokenCursor): AlterSpec | AlterSpec[] {
  // Partition management first: `ADD PARTITION` / `DROP PARTITION` would otherwise read as a column named partition.
  if (c.acceptWords('add', 'partition')) {
    if (c.acceptWords('partitions')) return { kind: 'add-partitions', definitions: [], count: c.integer() };
    return { kind: 'add-partitions', definitions: partitionDefinitions(c) };
  }
  if (c.acceptWords('drop', 'partition')) return { kind: 'drop-partitions', names: identifierList(c) };
  if (c.acceptWords('truncate', 'partition')) return { kind: 'truncate-partitions', names: identifierList(c) };
  if (c.acceptWords('coalesce', 'partition')) return { kind: 'coalesce-partitions', count: c.integer() };
  if (c.acceptWords('reorganize', 'partition')) {
    const names = identifierList(c);
    c.expectWords('into');
    return { kind: 'reorganize-partitions', names, definitions: partitionDefinitions(c) };
  }
  if (c.acceptWords('remove', 'partitioning')) return { kind: 'remove-partitioning' };
  if (c.isWord('partition') && c.isWord('placement', 2)) {
    c.expectWords('partition');
    const partition = c.identifier();
    c.expectWords('placement', 'policy');
    c.acceptPunct('=');
    return { kind: 'partition-placement', partition, policy: c.identifier() };
  }
  if (c.acceptWords('remove', 'ttl')) return { kind: 'remove-ttl' };
  if (c.acceptWords('add')) {
    const idx = tryIndexDef(c);
    if (idx === 'ignored') return { kind: 'options', options: {} };
    if (idx && 'refTable' in idx) return { kind: 'add-foreign-key', foreignKey: idx };
    if (idx) return { kind: 'add-index', index: idx };
    c.acceptWords('column');
    if (c.acceptPunct('(')) {
      // ADD COLUMN (a …, b …): the columns are added in order, each at the end.
      const specs: AlterSpec[] = [];
      do specs.push({ kind: 'add-column', column: columnDef(c), position: { kind: 'none' } });
      while (c.acceptPunct(','));
      c.expectPunct(')');
      return specs;
    }
    const column = columnDef(c);
    return { kind: 'add-column', column, position: position(c) };
  }
  if (c.acceptWords('drop')) {
    if (c.acceptWords('primary', 'key')) return { kind: 'drop-primary-key' };
    if (c.acceptWords('foreign', 'key')) return { kind: 'drop-foreign-key', name: c.identifier() };
    if (c.acceptWords('index') || c.acceptWords('key')) return { kind: 'drop-index', name: c.identifier() };
    c.acceptWords('column');
    c.acceptWords('if', 'exists');
    return { kind: 'drop-column', name: c.identifier() };
  }
  if (c.acceptWords('modify')) {
    c.acceptWords('column');
    const column = columnDef(c);
    return { kind: 'modify-column', oldName: column.name, column, position: position(c) };
  }
  if (c.acceptWords('change')) {
    c.acceptWords('column');
    const oldName = c.identifier();
    const column = columnDef(c);
    return { kind: 'modify-column', oldName, column, position: position(c) };
  }
  if (c.acceptWords('alter', 'index') || c.acceptWords('alter', 'key')) {
    const name = c.identifier();
    if (c.acceptWords('invisible')) return { kind: 'index-visibility', name, invisible: true };
    c.expectWords('visible');
    return { kind: 'index-visibility', name, invisible: false };
  }
  if (c.acceptWords('rename', 'column')) {
    const from = c.identifier();
    c.expectWords('to');
    return { kind: 'rename-column', from, to: c.identifier() };
  }
  if (c.acceptWords('convert', 'to')) {
    if (!c.acceptWords('charset')) c.expectWords('character', 'set');
    const charset = c.name().toLowerCase();
    const collate = c.acceptWords('collate') ? c.name().toLowerCase() : undefined;
    return { kind: 'convert-charset', charset, ...(collate !== undefined ? { collate } : {}) };
  }
  if (c.acceptWords('alter')) {
    c.acceptWords('column');
    const column = c.identifier();
    if (c.acceptWords('drop', 'default')) return { kind: 'alter-column-default', column };
    c.expectWords('set', 'default');
    return { kind: 'alter-column-default', column, default: defaultValue(c) };
  }
  if (c.acceptWords('rename', 'index') || c.acceptWords('rename', 'key')) {
    const from = c.identifier();
    c.expectWords('to');
    return { kind: 'rename-index', from, to: c.identifier() };
  }
  if (c.acceptWords('rename')) {
    if (!c.acceptWords('to')) c.acceptWords('as');
    return { kind: 'rename', to: tableName(c) };
  }
  if (c.acceptWords('set', 'tiflash', 'replica')) {
    const count = c.integer();
    const locationLabels: string[] = [];
    if (c.acceptWords('location', 'labels')) {
      do locationLabels.push(c.string());
      while (c.acceptPunct(','));
    }
    return { kind: 'set-tiflash-replica', count, locationLabels };
  }
  if (c.acceptWords('cache')) return { kind: 'cache', cached: true };
  if (c.acceptWords('nocache')) return { kind: 'cache', cached: false };
  const forced = c.acceptWords('force');
  const start = c.peek();
  const options = tableOptions(c);
  // Options TiDB accepts and ignores (ENGINE, ROW_FORMAT …) parse to nothing, which is still a valid spec.
  if (Object.keys(options).length === 0 && c.peek() === start && !forced) throw c.error();
  return { kind: 'options', options };
}

function parseRenameTable(c: TokenCursor): Statement {
  const pairs: { from: TableName; to: TableName }[] = [];
  do {
    const from = tableName(c);
    c.expectWords('to');
    pairs.push({ from, to: tableName(c) });
  } while (c.acceptPunct(','));
  return { kind: 'rename-table', pairs };
}

function parseDrop(c: TokenCursor): Statement {
  if (c.acceptWords('database') || c.acceptWords('schema')) {
    const ifExists = c.acceptWords('if', 'exists');
    return { kind: 'drop-database', ifExists, name: c.identifier() };
  }
  if (c.acceptWords('table') || c.acceptWords('tables')) {
    const ifExists = c.acceptWords('if', 'exists');
    const tables: TableName[] = [];
    do tables.push(tableName(c));
    while (c.acceptPunct(','));
    return { kind: 'drop-table', ifExists, tables };
  }
  if (c.acceptWords('index') || c.acceptWords('key')) {
    const name = c.identifier();
    c.expectWords('on');
    return { kind: 'alter-table', table: tableName(c), specs: [{ kind: 'drop-index', name }] };
  }
  if (c.acceptWords('view')) {
    const ifExists = c.acceptWords('if', 'exists');
    const tables: TableName[] = [];
    do tables.push(tableName(c));
    while (c.acceptPunct(','));
    return { kind: 'drop-view', ifExists, tables };
  }
  if (c.acceptWords('sequence')) {
    const ifExists = c.acceptWords('if', 'exists');
    const tables: TableName[] = [];
    do tables.push(tableName(c));
    while (c.acceptPunct(','));
    return { kind: 'drop-sequence', ifExists, tables };
  }
  throw c.error();
}

/** The rest of CREATE … VIEW (see ViewDef); a SELECT beyond columns of one table is 1235, not guessed. */
function viewDef(c: TokenCursor): ViewDef {
  const orReplace = c.acceptWords('or', 'replace');
  let algorithm = 0;
  let security = 0;
  if (c.acceptWords('algorithm')) {
    c.expectPunct('=');
    algorithm = ['undefined', 'merge', 'temptable'].indexOf(c.identifier().toLowerCase());
    if (algorithm < 0) throw c.error();
  }
  let definer: ViewDef['definer'];
  if (c.acceptWords('definer')) {
    c.expectPunct('=');
    definer = viewDefiner(c.expressionText(['sql', 'view']));
  }
  if (c.acceptWords('sql', 'security')) {
    if (c.acceptWords('invoker')) security = 1;
    else c.expectWords('definer');
  }
  c.expectWords('view');
  const name = tableName(c);
  const columns = c.isPunct('(') ? identifierListIn(c) : undefined;
  c.expectWords('as');
  const selectStart = c.peek().start;
  c.expectWords('select');
  let items: ViewDef['items'];
  if (c.acceptPunct('*')) items = 'star';
  else {
    items = [];
    do {
      const item: { name: string; qualifiers?: string[]; alias?: string } = { name: c.identifier() };
      // `db`.`t`.`c` or `t`.`c`: TiDB stores SELECT * expanded this way, and brflow sends it back as stored.
      while (c.acceptPunct('.')) {
        item.qualifiers = [...(item.qualifiers ?? []), item.name];
        item.name = c.identifier();
      }
      if (c.isPunct('(') || c.isPunct('.')) throw SqlError.unsupported(`the view SELECT ${c.sql.slice(selectStart, selectStart + 80)} in the simulated TiDB front (columns of one table only)`);
      if (c.acceptWords('as') || (c.peek().kind === 'word' && !c.isWord('from'))) item.alias = c.identifier();
      if (!c.isPunct(',') && !c.isWord('from')) throw SqlError.unsupported(`the view SELECT ${c.sql.slice(selectStart, selectStart + 80)} in the simulated TiDB front (columns of one table only)`);
      items.push(item);
    } while (c.acceptPunct(','));
  }
  c.expectWords('from');
  const from = tableName(c);
  let checkOption = 1;
  if (c.acceptWords('with')) {
    if (c.acceptWords('local')) checkOption = 0;
    else c.acceptWords('cascaded');
    c.expectWords('check', 'option');
  }
  if (!c.atEnd() && !c.isPunct(';')) throw SqlError.unsupported(`the view SELECT ${c.sql.slice(selectStart, selectStart + 80)} in the simulated TiDB front (columns of one table only)`);
  return { orReplace, algorithm, security, checkOption, name, items, from, ...(columns ? { columns } : {}), ...(definer ? { definer } : {}) };
}

/** `user@host` of DEFINER = …, each part bare, 'quoted' or `quoted`; CURRENT_USER[()] means the session's account (undefined). */
function viewDefiner(text: string): ViewDef['definer'] {
  const part = "(`(?:[^`]|``)*`|'(?:[^']|'')*'|[\\w$.%-]+)";
  const m = new RegExp(`^${part}\\s*@\\s*${part}$`).exec(text.trim());
  if (!m) {
    if (/^current_user(\s*\(\s*\))?$/i.test(text.trim())) return undefined;
    throw SqlError.syntax(text, 0);
  }
  const unquote = (v: string) => (v.startsWith('`') ? v.slice(1, -1).replace(/``/g, '`') : v.startsWith("'") ? v.slice(1, -1).replace(/''/g, "'") : v);
  return { user: unquote(m[1]!), host: unquote(m[2]!) };
}

function identifierListIn(c: TokenCursor): string[] {
  c.expectPunct('(');
  const names = identifierList(c);
  c.expectPunct(')');
  return names;
}

function sequenceNumber(c: TokenCursor): bigint {
  const v = c.literal();
  if (v === null || !/^-?\d+$/.test(v)) throw c.error();
  return BigInt(v);
}

/** START [WITH|=] n, INCREMENT [BY|=] n, [NO] MINVALUE/MAXVALUE/CACHE/CYCLE (NOMINVALUE … too), COMMENT [=] '…', ENGINE [=] name. */
function sequenceOptions(c: TokenCursor): SequenceOptions {
  const o: SequenceOptions = {};
  const value = () => {
    if (!c.acceptWords('with') && !c.acceptWords('by')) c.acceptPunct('=');
    return sequenceNumber(c);
  };
  for (;;) {
    if (c.acceptWords('start')) o.start = value();
    else if (c.acceptWords('increment')) o.increment = value();
    else if (c.acceptWords('minvalue')) o.min = value();
    else if (c.acceptWords('maxvalue')) o.max = value();
    else if (c.acceptWords('cache')) o.cache = value();
    else if (c.acceptWords('nocache') || c.acceptWords('no', 'cache')) o.cache = false;
    else if (c.acceptWords('cycle')) o.cycle = true;
    else if (c.acceptWords('nocycle') || c.acceptWords('no', 'cycle')) o.cycle = false;
    else if (c.acceptWords('nominvalue') || c.acceptWords('no', 'minvalue')) delete o.min;
    else if (c.acceptWords('nomaxvalue') || c.acceptWords('no', 'maxvalue')) delete o.max;
    else if (c.acceptWords('comment')) {
      c.acceptPunct('=');
      o.comment = c.string();
    } else if (c.acceptWords('engine')) {
      // A table option TiDB accepts after the sequence options (SHOW CREATE SEQUENCE prints ENGINE=InnoDB); it changes nothing.
      c.acceptPunct('=');
      c.name();
    } else return o;
  }
}

function parseSet(c: TokenCursor): Statement {
  if (c.acceptWords('names')) {
    const charset = c.name();
    const assignments: Extract<Statement, { kind: 'set' }>['assignments'] = [
      { name: 'character_set_client', scope: 'session', value: charset },
      { name: 'character_set_connection', scope: 'session', value: charset },
      { name: 'character_set_results', scope: 'session', value: charset },
    ];
    if (c.acceptWords('collate')) assignments.push({ name: 'collation_connection', scope: 'session', value: c.name() });
    return { kind: 'set', assignments };
  }
  const assignments: Extract<Statement, { kind: 'set' }>['assignments'] = [];
  do {
    let scope: 'session' | 'global' | 'user' = 'session';
    let name: string;
    const t = c.peek();
    if (t.kind === 'variable') {
      c.next();
      const v = parseVariableName(t.text);
      scope = v.scope;
      name = v.name;
    } else {
      if (c.acceptWords('global')) scope = 'global';
      else if (c.acceptWords('session') || c.acceptWords('local')) scope = 'session';
      name = c.identifier().toLowerCase();
    }
    if (!c.acceptPunct('=')) c.expectPunct(':=');
    const valueTok = c.peek();
    const value = valueTok.kind === 'word' || valueTok.kind === 'quoted' ? c.identifier() : c.literal();
    assignments.push({ name, scope, value: value ?? '' });
  } while (c.acceptPunct(','));
  return { kind: 'set', assignments };
}

/** `@@global.x` / `@@session.x` / `@@x` / `@x` → scope and lower-case name. */
export function parseVariableName(text: string): { scope: 'session' | 'global' | 'user'; name: string } {
  if (!text.startsWith('@@')) return { scope: 'user', name: text.slice(1).toLowerCase() };
  const body = text.slice(2).replace(/`/g, '').toLowerCase();
  if (body.startsWith('global.')) return { scope: 'global', name: body.slice(7) };
  if (body.startsWith('session.')) return { scope: 'session', name: body.slice(8) };
  if (body.startsWith('local.')) return { scope: 'session', name: body.slice(6) };
  return { scope: 'session', name: body };
}

function parseSelect(c: TokenCursor): SelectStmt {
  const items: SelectItem[] = [];
  do items.push(selectItem(c));
  while (c.acceptPunct(','));
  const stmt: SelectStmt = { items, where: [], orderBy: [] };
  if (c.acceptWords('from')) {
    stmt.from = tableName(c);
    // A table alias is accepted; conditions name columns without it or with it as a qualifier.
    if (c.acceptWords('as') || (c.peek().kind !== 'eof' && !['where', 'order', 'limit'].some((w) => c.isWord(w)) && !c.isPunct(';'))) c.identifier();
    if (c.acceptWords('where')) {
      do stmt.where.push(condition(c));
      while (c.acceptWords('and'));
    }
    if (c.acceptWords('order', 'by')) {
      do {
        const column = c.identifier();
        const desc = c.acceptWords('desc');
        if (!desc) c.acceptWords('asc');
        stmt.orderBy.push({ column, desc });
      } while (c.acceptPunct(','));
    }
    if (c.acceptWords('limit')) stmt.limit = c.integer();
  }
  return stmt;
}

function selectItem(c: TokenCursor): SelectItem {
  if (c.acceptPunct('*')) return { kind: 'star' };
  const t = c.peek();
  let item: SelectItem;
  if (t.kind === 'variable') {
    c.next();
    item = { kind: 'variable', name: t.text, text: t.text };
  } else if (t.kind === 'word' && c.isPunct('(', 1)) {
    c.next();
    const args = c.parenthesizedText();
    item = { kind: 'function', name: t.text.toLowerCase(), text: `${t.text}(${args})` };
  } else if (t.kind === 'string' || t.kind === 'number' || (t.kind === 'punct' && t.text === '-') || (t.kind === 'word' && t.text.toLowerCase() === 'null')) {
    const start = t.start;
    const value = c.literal();
    item = { kind: 'literal', value, text: c.sql.slice(start, c.peek().start).trim() };
  } else {
    let name = c.identifier();
    // table-qualified column: keep the column part
    while (c.acceptPunct('.')) name = c.identifier();
    item = { kind: 'column', name };
  }
  if (c.acceptWords('as')) item.alias = c.name();
  else if (c.peek().kind === 'quoted' || (c.peek().kind === 'word' && !['from', 'where', 'order', 'limit'].includes(c.peek().text.toLowerCase()))) item.alias = c.identifier();
  return item;
}

function condition(c: TokenCursor): Condition {
  let column = c.identifier();
  while (c.acceptPunct('.')) column = c.identifier();
  if (c.acceptWords('is', 'not', 'null')) return { column, op: 'is-not-null', values: [] };
  if (c.acceptWords('is', 'null')) return { column, op: 'is-null', values: [] };
  if (c.acceptPunct('=')) return { column, op: '=', values: [String(c.literal())] };
  if (c.acceptPunct('!=') || c.acceptPunct('<>')) return { column, op: '!=', values: [String(c.literal())] };
  if (c.acceptWords('like')) return { column, op: 'like', values: [String(c.literal())] };
  if (c.acceptWords('in')) {
    c.expectPunct('(');
    const values: string[] = [];
    do values.push(String(c.literal()));
    while (c.acceptPunct(','));
    c.expectPunct(')');
    return { column, op: 'in', values };
  }
  throw c.error();
}

function parseReplaceSelect(c: TokenCursor): Statement {
  const target = tableName(c);
  c.expectWords('select');
  c.expectPunct('*');
  c.expectWords('from');
  return { kind: 'replace-select', target, source: tableName(c) };
}
