import type { BackupFile, Manifest, ManifestTable } from '../../../src/backup/manifest';
import { concatBytes, encodeInt64Cmp, indexPrefix, recordKey, recordPrefix, toHex } from '../../../src/plan/keys';
import type { PolicyInfo } from '../../../src/plan/placement-sql';
import type { ColumnInfo, DBInfo, IndexInfo, TableInfo } from '../../../src/plan/table-info';

/** Builds Manifests for plan tests, like changesets' FakeFullState: add databases, tables, files. */
export class ManifestBuilder {
  private readonly m: Manifest = {
    metaVersion: 1, clusterId: '1', clusterVersion: '"7.1.0"\n', brVersion: 'test', startVersion: '0', endVersion: '400000000000000000',
    isRawKv: false, apiVersion: 0, newCollationsEnabled: 'True', encrypted: false, databases: [], tables: [], orphanFiles: [], ddlJobs: [],
  };
  private fileSeq = 0;

  db(name: string, id: number): this {
    this.m.databases.push({ id, name, info: { id, db_name: { O: name, L: name.toLowerCase() }, charset: 'utf8mb4', collate: 'utf8mb4_bin', state: 5 } });
    return this;
  }

  /** A database from its DBInfo as TiDB holds it (charset, collation, default placement policy). */
  dbInfo(info: DBInfo): this {
    this.m.databases.push({ id: info.id, name: info.db_name.O, info });
    return this;
  }

  /** The backup's placement policies (backupmeta `policies`). */
  policies(list: PolicyInfo[]): this {
    this.m.placementPolicies = [...(this.m.placementPolicies ?? []), ...list];
    return this;
  }

  table(db: string, info: TableInfo, files: BackupFile[] = []): this {
    const d = this.m.databases.find((x) => x.name === db);
    if (!d) throw new Error(`no db ${db}`);
    const t: ManifestTable = {
      db, dbId: d.id, id: info.id, name: info.name.O, info, crc64xor: '0', totalKvs: '0', totalBytes: '0', tiflashReplicas: 0,
      physicalIds: [info.id, ...(info.partition?.definitions.map((p) => p.id) ?? [])], files, isSystem: false,
    };
    this.m.tables.push(t);
    return this;
  }

  /** A write+default file pair (or only write) covering rows [lo, hi) of physical table `tid`. */
  rowFiles(tid: number, lo: number, hi: number, bytes: number, kvs: number, pair = true): BackupFile[] {
    const start = toHex(recordKey(tid, lo));
    const end = toHex(recordKey(tid, hi));
    return this.files(start, end, bytes, kvs, pair);
  }

  indexFiles(tid: number, idx: number, lo: number, hi: number, bytes: number, kvs: number): BackupFile[] {
    const start = toHex(concatBytes(indexPrefix(tid, idx), encodeInt64Cmp(lo)));
    const end = toHex(concatBytes(indexPrefix(tid, idx), encodeInt64Cmp(hi)));
    return this.files(start, end, bytes, kvs, false);
  }

  files(startKey: string, endKey: string, bytes: number, kvs: number, pair: boolean): BackupFile[] {
    const n = this.fileSeq++;
    const base = { sha256: '00', startKey, endKey, startVersion: '0', endVersion: '1', crc64xor: '0', size: String(bytes) };
    // Like TiKV: the KVs are counted in the default-CF file when there is one (merge_test.go fileBulder).
    const write: BackupFile = { ...base, name: `1_${n}_write.sst`, cf: 'write', totalKvs: pair ? '0' : String(kvs), totalBytes: pair ? '0' : String(bytes) };
    if (!pair) return [write];
    return [{ ...base, name: `1_${n}_default.sst`, cf: 'default', totalKvs: String(kvs), totalBytes: String(bytes) }, write];
  }

  build(): Manifest {
    return JSON.parse(JSON.stringify(this.m)) as Manifest;
  }
}

export function col(id: number, name: string, offset: number, over: Partial<ColumnInfo> = {}): ColumnInfo {
  return {
    id, name: { O: name, L: name.toLowerCase() }, offset, default: null, origin_default: null, state: 5, comment: '', hidden: false,
    type: { Tp: 3, Flag: 0, Flen: 11, Decimal: 0, Charset: 'binary', Collate: 'binary', Elems: null },
    ...over,
  };
}

export function idx(id: number, name: string, cols: { name: string; offset: number; length?: number }[], over: Partial<IndexInfo> = {}): IndexInfo {
  return {
    id, idx_name: { O: name, L: name.toLowerCase() }, idx_cols: cols.map((c) => ({ name: { O: c.name, L: c.name.toLowerCase() }, offset: c.offset, length: c.length ?? -1 })),
    unique: false, primary: false, is_unique: false, is_primary: false, state: 5, index_type: 1, comment: '', ...over,
  };
}

export function tableInfo(id: number, name: string, over: Partial<TableInfo> = {}): TableInfo {
  const cols = over.cols ?? [col(1, 'id', 0, { type: { Tp: 3, Flag: 4099, Flen: 11, Decimal: 0, Charset: 'binary', Collate: 'binary', Elems: null } })];
  return {
    id, name: { O: name, L: name.toLowerCase() }, charset: 'utf8mb4', collate: 'utf8mb4_bin', cols, index_info: [], pk_is_handle: true,
    is_common_handle: false, comment: '', auto_inc_id: 0, max_col_id: cols.length, max_idx_id: 0, state: 5, partition: null, ...over,
  };
}

export const hex = { recordPrefix: (t: number) => toHex(recordPrefix(t)), indexPrefix: (t: number, i: number) => toHex(indexPrefix(t, i)) };
