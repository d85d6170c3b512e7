import { initSstCodecs, readSst, VALUE_TYPE_PUT } from '../backup/sst';
import type { SstEntry } from './sst-rewrite';

/**
 * The store's SST decoder: brflow's RocksDB reader (block CRCs verified, any compression), keeping
 * Put entries only — backup SSTs hold nothing else, and a Delete marker is not data to ingest.
 */
export async function decodeBackupSst(bytes: Uint8Array, name?: string): Promise<SstEntry[]> {
  await initSstCodecs();
  return readSst(bytes, name === undefined ? {} : { name })
    .entries.filter((e) => e.valueType === VALUE_TYPE_PUT)
    .map((e) => ({ key: e.key, value: e.value }));
}
