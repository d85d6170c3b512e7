import { BrflowError, ErrorType } from '../plan/error-types';
import { compareBytes } from '../plan/keys';
import { ClusterError } from './errors';
import type { PdClient, RegionInfo } from './pd';

/** PD ScanRegions page size (BR ScanRegionPaginationLimit). */
export const SCAN_REGION_PAGE_LIMIT = 128;

/**
 * Every region overlapping [start, end) (encoded keys; empty end = +∞), page by page from each page's last end
 * key (BR PaginateScanRegion). Checks that the pages chain without holes, because a hole means PD's view changed
 * under us and a split or import would miss a range.
 */
export async function scanAllRegions(pd: PdClient, start: Uint8Array, end: Uint8Array, limit = SCAN_REGION_PAGE_LIMIT): Promise<RegionInfo[]> {
  if (end.length > 0 && compareBytes(start, end) >= 0) {
    throw new BrflowError(ErrorType.Internal, `scan regions: start key ${Buffer.from(start).toString('hex')} is not before end key ${Buffer.from(end).toString('hex')}`);
  }
  const out: RegionInfo[] = [];
  let from = start;
  for (;;) {
    const page = await pd.scanRegions(from, end, limit);
    for (const r of page) {
      const prev = out[out.length - 1];
      if (prev && compareBytes(prev.region.endKey, r.region.startKey) !== 0) {
        // PD's view changed between pages: retryable like an epoch change.
        throw new ClusterError(pd.leaderAddress, 'PD ScanRegions', {
          kind: 'epoch-not-match',
          retryable: true,
          detail: `pages leave a hole between region ${prev.region.id} and ${r.region.id}`,
        });
      }
      out.push(r);
    }
    const last = page[page.length - 1];
    if (page.length < limit || !last) break;
    const lastEnd = last.region.endKey;
    if (lastEnd.length === 0 || (end.length > 0 && compareBytes(lastEnd, end) >= 0)) break;
    from = lastEnd;
  }
  return out;
}
