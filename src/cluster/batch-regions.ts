import { compareBytes } from '../plan/keys';
import type { PdClient, RegionInfo } from './pd';
import { scanAllRegions } from './scan-regions';

/** The regions of one key span as one import unit sees them, and how to say that view went stale. */
export interface RegionView {
  regions: RegionInfo[];
  /** Tells the source this view met a region that moved (epoch, range, store): the next lookup scans again. */
  stale(): void;
}

/** Where an import unit gets the regions of its span: a fresh PD scan each time, or a batch's shared scan. */
export interface RegionSource {
  regionsIn(start: Uint8Array, end: Uint8Array): Promise<RegionView>;
}

/** Every lookup is its own paginated PD scan (BR's per-range behaviour). */
export function pdRegionSource(pd: PdClient): RegionSource {
  return {
    async regionsIn(start, end) {
      return { regions: await scanAllRegions(pd, start, end), stale: () => undefined };
    },
  };
}

/**
 * The regions of a whole ingest batch from ONE paginated scan (after the batch's split and scatter), shared by
 * its ranges: a range picks its regions out of it by binary search instead of asking PD again. A range whose
 * download or ingest meets a moved region marks the view stale; the next lookup scans the batch span again
 * (once, however many ranges noticed, since only the current view can be marked). A span outside the batch's
 * falls back to its own scan.
 */
export class BatchRegions implements RegionSource {
  private view: Promise<RegionInfo[]> | undefined;
  /** Scans of the batch span so far (tests and the benchmark count PD round trips with it). */
  scans = 0;

  constructor(
    private readonly pd: PdClient,
    private readonly start: Uint8Array,
    private readonly end: Uint8Array,
  ) {}

  async regionsIn(start: Uint8Array, end: Uint8Array): Promise<RegionView> {
    if (!this.covers(start, end)) return pdRegionSource(this.pd).regionsIn(start, end);
    let view = this.view;
    if (!view) {
      this.scans++;
      view = scanAllRegions(this.pd, this.start, this.end);
      this.view = view;
      // A failed scan is not kept: the caller's retry scans again.
      view.catch(() => {
        if (this.view === view) this.view = undefined;
      });
    }
    const all = await view;
    return {
      regions: overlapping(all, start, end),
      stale: () => {
        if (this.view === view) this.view = undefined;
      },
    };
  }

  private covers(start: Uint8Array, end: Uint8Array): boolean {
    if (compareBytes(start, this.start) < 0) return false;
    if (this.end.length === 0) return true;
    return end.length > 0 && compareBytes(end, this.end) <= 0;
  }
}

/** The regions of a key-ordered, chained list that overlap [start, end) (empty end = +∞). */
export function overlapping(all: readonly RegionInfo[], start: Uint8Array, end: Uint8Array): RegionInfo[] {
  // First region whose end is past `start` (an empty end key is +∞).
  let lo = 0;
  let hi = all.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const e = all[mid]!.region.endKey;
    if (e.length > 0 && compareBytes(e, start) <= 0) lo = mid + 1;
    else hi = mid;
  }
  const out: RegionInfo[] = [];
  for (let i = lo; i < all.length; i++) {
    const r = all[i]!;
    if (end.length > 0 && compareBytes(r.region.startKey, end) >= 0) break;
    out.push(r);
  }
  return out;
}
