import { Metadata, status, type handleUnaryCall, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { ClusterState } from './cluster-state';

/**
 * The TiKV-side services (ImportSST, Tikv) as a simulated TiFlash store answers them: every call is counted
 * and refused with UNIMPLEMENTED. BR never sends TiFlash import, split or mode-switch RPCs (it lists stores
 * with SkipTiFlash), so any count here is a restore talking to the wrong store, which tests check is zero.
 */
export function createTiFlashRefusal(state: ClusterState, storeId: number, definition: ServiceDefinition): UntypedServiceImplementation {
  const impl: UntypedServiceImplementation = {};
  for (const [method, def] of Object.entries(definition)) {
    const refuse = (): { code: status; details: string; metadata: Metadata } => {
      state.countTiFlashRpc(storeId, def.path.split('/').pop() ?? method);
      return { code: status.UNIMPLEMENTED, details: `store ${storeId} is TiFlash: ${def.path} is served by TiKV stores only`, metadata: new Metadata() };
    };
    // All of ImportSST's and Tikv's methods brflow's protos carry are unary.
    const handler: handleUnaryCall<unknown, unknown> = (_call, callback) => callback(refuse());
    impl[method] = handler;
  }
  return impl;
}
