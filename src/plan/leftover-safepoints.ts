/**
 * Which PD service GC safepoints are leftovers that hold GC back for nobody: brflow's (`brflow-…`) that no
 * running restore holds, and BR's own (`br-…`) that expire far in the future (BR registers 5-minute TTLs and
 * renews them; one set far ahead outlives the BR that set it). Pure: `held` and `nowSec` are arguments.
 */
export interface ServiceSafePointView {
  serviceId: string;
  safePoint: bigint;
  /** Unix seconds; undefined = never expires. */
  expiresAt?: number;
}

export interface Leftover extends ServiceSafePointView {
  reason: string;
}

export function leftoverSafepoints(sps: readonly ServiceSafePointView[], o: { held: ReadonlySet<string>; nowSec: number; farSec: number }): Leftover[] {
  const out: Leftover[] = [];
  for (const sp of sps) {
    const left = sp.expiresAt === undefined ? undefined : sp.expiresAt - o.nowSec;
    if (sp.serviceId.startsWith('brflow-') && !o.held.has(sp.serviceId)) {
      out.push({ ...sp, reason: 'no running restore holds it' });
    } else if (sp.serviceId.startsWith('br-') && (left === undefined || left > o.farSec)) {
      out.push({ ...sp, reason: left === undefined ? 'BR safepoint that never expires' : `BR safepoint expiring in ${Math.round(left / 3600)} h` });
    }
  }
  return out;
}
