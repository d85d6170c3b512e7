/**
 * A MySQL-protocol error as TiDB answers it: the error number and message texts follow TiDB's
 * (pkg/errno/errname.go, the same as MySQL's for these codes), so clients classify them like the real thing.
 */
export class SqlError extends Error {
  constructor(
    readonly errno: number,
    message: string,
  ) {
    super(message);
    this.name = 'SqlError';
  }

  /** 1064: the statement is not in the grammar this front understands. Names the statement and the spot. */
  static syntax(sql: string, at: number): SqlError {
    const near = sql.slice(at, at + 80);
    return new SqlError(
      ErrNo.ParseError,
      `You have an error in your SQL syntax; check the manual that corresponds to your TiDB version for the right syntax to use line 1 column ${at} near "${near}" (statement: ${sql.slice(0, 500)})`,
    );
  }

  static noDatabaseSelected(): SqlError {
    return new SqlError(ErrNo.NoDB, 'No database selected');
  }

  static unknownDatabase(db: string): SqlError {
    return new SqlError(ErrNo.BadDB, `Unknown database '${db}'`);
  }

  static databaseExists(db: string): SqlError {
    return new SqlError(ErrNo.DBCreateExists, `Can't create database '${db}'; database exists`);
  }

  static cannotDropDatabase(db: string): SqlError {
    return new SqlError(ErrNo.DBDropExists, `Can't drop database '${db}'; database doesn't exist`);
  }

  static tableExists(table: string): SqlError {
    return new SqlError(ErrNo.TableExists, `Table '${table}' already exists`);
  }

  static noSuchTable(db: string, table: string): SqlError {
    return new SqlError(ErrNo.NoSuchTable, `Table '${db}.${table}' doesn't exist`);
  }

  static unknownTable(names: string): SqlError {
    return new SqlError(ErrNo.BadTable, `Unknown table '${names}'`);
  }

  static duplicateColumn(col: string): SqlError {
    return new SqlError(ErrNo.DupFieldName, `Duplicate column name '${col}'`);
  }

  static duplicateKey(name: string): SqlError {
    return new SqlError(ErrNo.DupKeyName, `Duplicate key name '${name}'`);
  }

  static cannotDrop(name: string): SqlError {
    return new SqlError(ErrNo.CantDropFieldOrKey, `Can't DROP '${name}'; check that column/key exists`);
  }

  static unknownColumn(col: string, where: string): SqlError {
    return new SqlError(ErrNo.BadField, `Unknown column '${col}' in '${where}'`);
  }

  static unknownSystemVariable(name: string): SqlError {
    return new SqlError(ErrNo.UnknownSystemVariable, `Unknown system variable '${name}'`);
  }

  static keyColumnMissing(col: string): SqlError {
    return new SqlError(ErrNo.KeyColumnDoesNotExist, `Key column '${col}' doesn't exist in table`);
  }

  static multiplePrimaryKeys(): SqlError {
    return new SqlError(ErrNo.MultiplePriKey, 'Multiple primary key defined');
  }

  static columnCountMismatch(): SqlError {
    return new SqlError(ErrNo.WrongValueCountOnRow, "Column count doesn't match value count at row 1");
  }

  static invalidAutoRandom(why: string): SqlError {
    return new SqlError(ErrNo.InvalidAutoRandom, `Invalid auto random: ${why}`);
  }

  static unsupported(what: string): SqlError {
    return new SqlError(ErrNo.NotSupportedYet, `This version of TiDB doesn't yet support '${what}'`);
  }
}

/** The MySQL/TiDB error numbers the front answers with. */
export const ErrNo = {
  DBCreateExists: 1007,
  DBDropExists: 1008,
  AccessDenied: 1045,
  NoDB: 1046,
  BadDB: 1049,
  TableExists: 1050,
  BadTable: 1051,
  BadField: 1054,
  DupFieldName: 1060,
  DupKeyName: 1061,
  MultiplePriKey: 1068,
  KeyColumnDoesNotExist: 1072,
  WrongValueCountOnRow: 1136,
  TooManyAutoIncrement: 1075,
  ParseError: 1064,
  CantDropFieldOrKey: 1091,
  WrongValue: 1210,
  NoSuchTable: 1146,
  UnknownSystemVariable: 1193,
  NotSupportedYet: 1235,
  InvalidAutoRandom: 8216,
  Unknown: 1105,
  /** TiDB's ErrUnsupportedDDLOperation: a DDL TiDB refuses (drop a clustered primary key, a column of a composite index). */
  UnsupportedDDL: 8200,
} as const;
