import type { BackupFile, Manifest, ManifestTable } from '../../src/backup/manifest';
import { recordKey, toHex } from '../../src/plan/keys';
import type { DBInfo, TableInfo } from '../../src/plan/table-info';

/**
 * A generated backup manifest for workflow tests: `dbs` databases × `tablesPerDb` tables × `filesPerTable`
 * record files (one write CF file per handle range). Each table's checksum is derived from its files
 * (crc64xor = XOR of the files', kvs and bytes summed), as BR records it, so a restore that loses or
 * duplicates data shows up as a mismatch.
 */
export function generateManifest(opts: { dbs?: number; tablesPerDb?: number; filesPerTable?: number; firstTableId?: number } = {}): Manifest {
  const dbs = opts.dbs ?? 1;
  const tablesPerDb = opts.tablesPerDb ?? 2;
  const filesPerTable = opts.filesPerTable ?? 3;
  let id = opts.firstTableId ?? 100;
  const databases: Manifest['databases'] = [];
  const tables: ManifestTable[] = [];
  for (let d = 0; d < dbs; d++) {
    const dbName = `db${d}`;
    const dbId = id++;
    const info: DBInfo = { id: dbId, db_name: { O: dbName, L: dbName }, charset: 'utf8mb4', collate: 'utf8mb4_bin', state: 5 } as DBInfo;
    databases.push({ id: dbId, name: dbName, info });
    for (let t = 0; t < tablesPerDb; t++) {
      const tid = id++;
      const name = `t${t}`;
      const files: BackupFile[] = [];
      let crc = 0n;
      let kvs = 0;
      let bytes = 0;
      for (let f = 0; f < filesPerTable; f++) {
        const fileCrc = (BigInt(tid) * 1_000_003n + BigInt(f) * 7_919n) ^ 0x5bd1e995n;
        const fileKvs = 100 + f;
        const fileBytes = 4096 + 16 * f;
        crc ^= fileCrc;
        kvs += fileKvs;
        bytes += fileBytes;
        files.push({
          name: `1/${tid}_${f}_write.sst`,
          sha256: '00'.repeat(32),
          startKey: toHex(recordKey(tid, f * 1000)),
          endKey: toHex(recordKey(tid, (f + 1) * 1000)),
          startVersion: '0',
          endVersion: '900',
          crc64xor: fileCrc.toString(),
          totalKvs: String(fileKvs),
          totalBytes: String(fileBytes),
          cf: 'write',
          size: String(fileBytes),
        });
      }
      const tinfo = {
        id: tid,
        name: { O: name, L: name },
        charset: 'utf8mb4',
        collate: 'utf8mb4_bin',
        cols: [],
        index_info: [],
        pk_is_handle: true,
        is_common_handle: false,
        comment: '',
        auto_inc_id: 0,
        max_col_id: 1,
        max_idx_id: 0,
        state: 5,
        partition: null,
      } as unknown as TableInfo;
      tables.push({
        db: dbName,
        dbId,
        id: tid,
        name,
        info: tinfo,
        crc64xor: crc.toString(),
        totalKvs: String(kvs),
        totalBytes: String(bytes),
        tiflashReplicas: 0,
        physicalIds: [tid],
        files,
        isSystem: false,
      });
    }
  }
  return {
    metaVersion: 2,
    clusterId: '7000000000000000001',
    clusterVersion: '"8.5.0"\n',
    brVersion: 'BR\nRelease Version: v8.5.0',
    startVersion: '0',
    endVersion: '900',
    isRawKv: false,
    apiVersion: 0,
    newCollationsEnabled: 'True',
    encrypted: false,
    databases,
    tables,
    orphanFiles: [],
    ddlJobs: [],
  };
}
