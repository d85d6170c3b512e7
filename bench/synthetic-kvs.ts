import { createPrng } from '../src/backup/generator/prng';
import { encodeMvccWrite } from '../src/backup/mvcc-write';
import type { SstEntryInput } from '../src/backup/sst';
import { appendTs, composeTs, concatBytes, encodeBytes, recordKey } from '../src/plan/keys';

/**
 * Write-CF entries of one backup range, as TiKV's backup writes them: key 'z' ‖ memcomparable(record key) ‖
 * ^commit_ts, value an MVCC Put record carrying the row inline (short value). Row text draws from a small
 * vocabulary so it compresses about as well as real rows do (2–3×), not like random bytes.
 */
export interface SyntheticKvs {
  entries: SstEntryInput[];
  /** Σ key + value bytes: what MB/s figures of SST work are measured in. */
  rawBytes: number;
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima', 'mike', 'november'];
const DATA_PREFIX = Uint8Array.of(0x7a); // 'z'
const COMMIT_MS = 1_700_000_000_000;

/** Entries for table `tableId`, in key order, until their raw size reaches `targetBytes`. */
export function syntheticWriteCfKvs(targetBytes: number, tableId = 100, seed = 1): SyntheticKvs {
  const rng = createPrng(seed);
  const enc = new TextEncoder();
  const entries: SstEntryInput[] = [];
  let rawBytes = 0;
  for (let handle = 1; rawBytes < targetBytes; handle++) {
    const commitTs = composeTs(COMMIT_MS - rng.int(0, 3_600_000), rng.int(0, 999));
    const words = Array.from({ length: rng.int(4, 24) }, () => WORDS[rng.int(0, WORDS.length - 1)]!);
    const row = enc.encode(`${handle}|${rng.int(0, 1_000_000)}|${words.join(' ')}`);
    const key = appendTs(concatBytes(DATA_PREFIX, encodeBytes(recordKey(tableId, handle))), commitTs);
    const value = encodeMvccWrite({ type: 'put', startTs: commitTs - BigInt(rng.int(1, 1000) << 18), shortValue: row });
    entries.push({ key, value });
    rawBytes += key.length + value.length;
  }
  return { entries, rawBytes };
}
