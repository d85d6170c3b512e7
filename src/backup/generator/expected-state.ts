import { compareBytes } from '../../plan/keys';
import { KvChecksum } from '../crc64';
import { type DatasetOptions, generateDataset, type KvVersion } from './dataset';

/**
 * What a cluster holds after restoring generated backups: for each table at the end, the checksum
 * (crc64xor / total_kvs / total_bytes, as the coprocessor checksum computes it with no rewrite) of the newest
 * committed value of every key. For `incremental`, that is the full backup of the seed followed by its
 * incremental backup, deletes applied. Restore tests compare a restored cluster against this.
 */
export interface ExpectedTableState {
  db: string;
  table: string;
  physicalIds: number[];
  crc64xor: string;
  totalKvs: string;
  totalBytes: string;
}

export type ExpectedStateOptions = Omit<DatasetOptions, 'incremental'>;

/** Expected per-table checksums after the full backup (`incremental` false) or full + incremental. */
export function expectedTableStates(opts: ExpectedStateOptions, incremental: boolean): ExpectedTableState[] {
  const full = generateDataset({ ...opts, incremental: false });
  const end = incremental ? generateDataset({ ...opts, incremental: true }) : full;
  const fullByPid = new Map<number, KvVersion[]>();
  if (incremental) {
    for (const t of full.tables) for (const [pid, vs] of t.versions()) fullByPid.set(pid, vs);
  }
  return end.tables.map((t) => {
    const sum = new KvChecksum();
    const latest = new Map<string, KvVersion>();
    const take = (v: KvVersion) => {
      const k = Buffer.from(v.key).toString('hex');
      const cur = latest.get(k);
      if (!cur || cur.commitTs < v.commitTs) latest.set(k, v);
    };
    const incVersions = t.versions();
    for (const pid of t.physicalIds) {
      for (const v of fullByPid.get(pid) ?? []) take(v);
      for (const v of incVersions.get(pid) ?? []) take(v);
    }
    const live = [...latest.values()].filter((v) => v.value !== null).sort((a, b) => compareBytes(a.key, b.key));
    for (const v of live) sum.update(v.key, v.value!);
    return {
      db: t.db.db_name.O, table: t.info.name.O, physicalIds: t.physicalIds,
      crc64xor: sum.crc64xor.toString(), totalKvs: sum.totalKvs.toString(), totalBytes: sum.totalBytes.toString(),
    };
  });
}
