import type { SstEntry } from './sst-rewrite';

/** One backup SST as a store's importer loads it before the rewrite: read, decrypted and decoded, or why not. */
export type SstLoad = { bytes: number; entries: SstEntry[] } | { readError: string } | { bytes: number; decodeError: string };

/**
 * Loads of the same backup SST that are in flight at once, shared by every store of the simulator. A download
 * goes to each peer of a region at the same moment, so without this the simulator read, decrypted and decoded
 * every file once per replica: its own CPU, not the cluster behaviour under test, bounded how fast a restore of
 * many small files could go. Only loads in flight are shared (nothing is kept once settled), so a file that
 * changes between two downloads is read again, as a real TiKV would. What each store does with the entries
 * (throttle, rewrite, stage) stays its own; the entries are never mutated.
 */
export class SharedSstLoads {
  private readonly inFlight = new Map<string, Promise<SstLoad>>();
  /** Loads that ran, and requests answered by a load already in flight (tests and benches read these). */
  loads = 0;
  shared = 0;

  load(key: string, run: () => Promise<SstLoad>): Promise<SstLoad> {
    const running = this.inFlight.get(key);
    if (running) {
      this.shared++;
      return running;
    }
    this.loads++;
    const p = run().finally(() => {
      if (this.inFlight.get(key) === p) this.inFlight.delete(key);
    });
    this.inFlight.set(key, p);
    return p;
  }
}

/** The identity of a load: the storage (every field, credentials included), the object, and how it is decrypted. */
export function sstLoadKey(parts: { backend: unknown; name: string; cipher: unknown; iv: Uint8Array | undefined }): string {
  return JSON.stringify([parts.backend, parts.name, parts.cipher, parts.iv], (_k, v: unknown) => {
    if (typeof v === 'bigint') return v.toString();
    if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
    return v;
  });
}
