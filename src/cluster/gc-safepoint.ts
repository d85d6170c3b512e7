import { BrflowError, ErrorType } from '../plan/error-types';
import type { PdClient } from './pd';

/** BR's DefaultBRGCSafePointTTL: the service safepoint lapses 5 min after the last renewal. */
export const GC_SAFEPOINT_TTL_SECONDS = 300;
/** Renew at TTL/3 (BR's keeper: every 100 s). */
export const GC_SAFEPOINT_RENEW_SECONDS = GC_SAFEPOINT_TTL_SECONDS / 3;

/** What the workflow keeps to renew and remove the safepoint: plain JSON, no secret. */
export interface ServiceSafePoint {
  serviceId: string;
  /** Decimal u64: restoreTs − 1, the last version GC must keep. */
  safePoint: string;
  ttlSeconds: number;
}

/** The service id of one restore run (BR uses "br-<uuid>"). */
export function restoreServiceId(restoreId: string): string {
  return `brflow-restore-${restoreId}`;
}

/**
 * Keeps GC from collecting versions at or after `restoreTs` (BR: safepoint = restoreTS − 1, TTL 300 s). Fails
 * when GC already passed restoreTs, because data read at that ts may be gone. Setting it again is a renewal.
 */
export async function registerServiceSafePoint(
  pd: PdClient,
  serviceId: string,
  restoreTs: bigint,
  ttlSeconds = GC_SAFEPOINT_TTL_SECONDS,
): Promise<ServiceSafePoint> {
  const gc = await pd.getGcSafePoint();
  if (restoreTs <= gc) {
    throw new BrflowError(
      ErrorType.ClusterRejected,
      `GC safepoint ${gc} of PD ${pd.leaderAddress} is already at or past restore ts ${restoreTs}; start the restore again to get a fresh ts`,
    );
  }
  const safePoint = restoreTs - 1n;
  await pd.updateServiceGcSafePoint(serviceId, ttlSeconds, safePoint);
  return { serviceId, safePoint: safePoint.toString(), ttlSeconds };
}

/** Renews the safepoint for another TTL. */
export async function renewServiceSafePoint(pd: PdClient, sp: ServiceSafePoint): Promise<void> {
  await pd.updateServiceGcSafePoint(sp.serviceId, sp.ttlSeconds, BigInt(sp.safePoint));
}

/** Removes it (PD deletes a service safepoint updated with TTL ≤ 0, as newer BR does at the end). Idempotent. */
export async function removeServiceSafePoint(pd: PdClient, serviceId: string): Promise<void> {
  await pd.updateServiceGcSafePoint(serviceId, 0, 0n);
}
