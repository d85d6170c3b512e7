import { credentials, Metadata, type CallOptions, type ClientUnaryCall, type ServiceError } from '@grpc/grpc-js';
import { ImportSSTClient } from '../../../../src/proto/import_sstpb';
import { PDClient } from '../../../../src/proto/pdpb';
import { TikvClient } from '../../../../src/proto/tikvpb';

/** Plain grpc-js clients from the generated code, as any BR-like client would build them. */
export const pdClient = (addr: string) => new PDClient(addr, credentials.createInsecure());
export const importClient = (addr: string) => new ImportSSTClient(addr, credentials.createInsecure());
export const tikvClient = (addr: string) => new TikvClient(addr, credentials.createInsecure());

/** The 4-argument overload of a generated client method: TS infers Req/Res from the last overload. */
type Unary<Req, Res> = (req: Req, md: Metadata, opts: Partial<CallOptions>, cb: (err: ServiceError | null, res: Res) => void) => ClientUnaryCall;

/** Promise form of a unary call with a 5 s deadline. */
export function call<Req, Res>(fn: Unary<Req, Res>, req: Req): Promise<Res> {
  return new Promise((resolve, reject) => {
    fn(req, new Metadata(), { deadline: Date.now() + 5000 }, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

export async function grpcCode(p: Promise<unknown>): Promise<number | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    return (e as ServiceError).code;
  }
}
