import { status, type handleUnaryCall, type ServiceError } from '@grpc/grpc-js';
import { Metadata } from '@grpc/grpc-js';
import type { FaultDecision, FaultDetail, Faults, FaultTarget, ScriptedRegionErrorKind } from './faults';

/** Thrown by a handler to answer with a specific gRPC status (e.g. PD's FailedPrecondition). */
export class GrpcStatusError extends Error {
  constructor(readonly code: status, message: string) {
    super(message);
  }
}

export function toServiceError(e: unknown): Partial<ServiceError> {
  if (e instanceof GrpcStatusError) return { code: e.code, details: e.message, metadata: new Metadata() };
  const msg = e instanceof Error ? e.message : String(e);
  return { code: status.INTERNAL, details: msg, metadata: new Metadata() };
}

export function unavailableError(target: FaultTarget): Partial<ServiceError> {
  const who = target === 'pd' ? 'pd' : `store ${target}`;
  return { code: status.UNAVAILABLE, details: `${who} is unavailable (simulated fault)`, metadata: new Metadata() };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Applies the scripted faults of one call: waits the latency, reports whether to answer UNAVAILABLE. */
export async function applyFaults(faults: Faults, rpc: string, target: FaultTarget, detail?: FaultDetail): Promise<FaultDecision> {
  const d = faults.decide(rpc, target, detail);
  if (d.latencyMs > 0) await sleep(d.latencyMs);
  return d;
}

/**
 * A unary handler with faults applied first. `fn` receives the scripted region error kind, if any,
 * so the service can answer it with real details (the region's actual leader, epoch, range). `detailOf`
 * names the request detail faults may be limited to (e.g. SwitchMode's target mode).
 */
export function unary<Req, Res>(
  faults: Faults,
  target: FaultTarget,
  rpc: string,
  fn: (req: Req, regionError: ScriptedRegionErrorKind | undefined) => Res | Promise<Res>,
  detailOf?: (req: Req) => FaultDetail,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    void (async () => {
      try {
        const d = await applyFaults(faults, rpc, target, detailOf?.(call.request));
        if (d.unavailable) {
          callback(unavailableError(target));
          return;
        }
        if (d.status) {
          callback({ code: d.status.code, details: d.status.message, metadata: new Metadata() });
          return;
        }
        callback(null, await fn(call.request, d.regionError));
      } catch (e) {
        callback(toServiceError(e));
      }
    })();
  };
}
