import { encodeBytes, fromHex, toHex } from './keys';
import { compareHexKeys } from './rewrite-rules';

/** A region as PD reports it: keys memcomparable-encoded (no 'z', no ts), hex; empty end = +∞. */
export interface RegionSnapshot {
  id: string;
  startKey: string;
  endKey: string;
}

/** Raw split keys (hex) for one region; SplitRegion takes raw keys and TiKV encodes them (research §3.3). */
export interface RegionSplit {
  regionId: string;
  keys: string[];
}

/**
 * BR's getSplitKeys / NeedSplit (pkg/restore/split.go, research §5.2): candidates are every rule's new
 * prefix and every rewritten range's end key. A candidate already equal to a region boundary is skipped;
 * otherwise it goes to the region that strictly contains its encoded form. Output is ordered by region
 * start, keys sorted and de-duplicated, so a retry after a crash asks for the same splits.
 */
export function splitKeysForRegions(
  candidatesRawHex: readonly string[],
  regions: readonly RegionSnapshot[],
): RegionSplit[] {
  const sorted = [...regions].sort((a, b) => compareHexKeys(a.startKey, b.startKey));
  const byRegion = new Map<string, Set<string>>();
  for (const raw of candidatesRawHex) {
    if (raw === '') continue;
    const enc = toHex(encodeBytes(fromHex(raw)));
    const region = findContaining(sorted, enc);
    if (!region || region.startKey === enc) continue;
    let set = byRegion.get(region.id);
    if (!set) byRegion.set(region.id, (set = new Set()));
    set.add(raw);
  }
  return sorted
    .filter((r) => byRegion.has(r.id))
    .map((r) => ({ regionId: r.id, keys: [...byRegion.get(r.id)!].sort(compareHexKeys) }));
}

/** The region with start ≤ key < end (binary search over regions sorted by start). */
function findContaining(sorted: readonly RegionSnapshot[], encKey: string): RegionSnapshot | undefined {
  let lo = 0;
  let hi = sorted.length - 1;
  let found: RegionSnapshot | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = sorted[mid]!;
    if (r.startKey <= encKey) {
      found = r;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  if (!found) return undefined;
  return found.endKey === '' || encKey < found.endKey ? found : undefined;
}

/** Split candidates of a set of rewritten ranges under a set of rules (BR: rule new prefixes + range ends). */
export function splitCandidates(newKeyPrefixes: readonly string[], rangeNewEndKeys: readonly string[]): string[] {
  return [...new Set([...newKeyPrefixes, ...rangeNewEndKeys].filter((k) => k !== ''))].sort(compareHexKeys);
}

/** The encoded [min, max] span BR scans regions over: first start and last end, widened by every new prefix. */
export function scanSpan(rangesNewStartEnd: readonly { newStartKey: string; newEndKey: string }[], newKeyPrefixes: readonly string[]): { startKey: string; endKey: string } {
  let min: string | undefined;
  let max: string | undefined;
  const take = (raw: string, isEnd: boolean): void => {
    if (isEnd && raw === '') {
      max = '';
      return;
    }
    const enc = toHex(encodeBytes(fromHex(raw)));
    if (min === undefined || enc < min) min = enc;
    if (max !== '' && (max === undefined || enc > max)) max = enc;
  };
  for (const r of rangesNewStartEnd) {
    take(r.newStartKey, false);
    take(r.newEndKey, true);
  }
  for (const p of newKeyPrefixes) take(p, false);
  return { startKey: min ?? '', endKey: max ?? '' };
}
