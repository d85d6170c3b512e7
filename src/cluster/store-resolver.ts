import { ClusterError } from './errors';
import type { PdClient } from './pd';
import type { Store } from '../proto/metapb';

/**
 * Store id → gRPC address, from PD, cached. A store that moved (store-not-match, unreachable) is looked up
 * again after `invalidate`. BR dials `peer_address` for import when a store sets it, else `address`.
 */
export class StoreResolver {
  private readonly cache = new Map<bigint, Store>();

  constructor(private readonly pd: PdClient) {}

  async store(storeId: bigint): Promise<Store> {
    const hit = this.cache.get(storeId);
    if (hit) return hit;
    const s = await this.pd.getStore(storeId);
    if (!s.address) {
      throw new ClusterError(this.pd.leaderAddress, 'PD GetStore', { kind: 'not-found', retryable: true, detail: `store ${storeId} has no address yet` });
    }
    this.cache.set(storeId, s);
    return s;
  }

  async address(storeId: bigint): Promise<string> {
    return (await this.store(storeId)).address;
  }

  /** The address import RPCs use: peer_address when the store advertises one. */
  async importAddress(storeId: bigint): Promise<string> {
    const s = await this.store(storeId);
    return s.peerAddress || s.address;
  }

  /** Seeds the cache with a GetAllStores answer (saves a PD call per store). */
  remember(stores: readonly Store[]): void {
    for (const s of stores) if (s.address) this.cache.set(s.id, s);
  }

  invalidate(storeId: bigint): void {
    this.cache.delete(storeId);
  }

  /** Forgets every address: after StoreNotMatch we cannot tell which store moved. */
  invalidateAll(): void {
    this.cache.clear();
  }
}
