import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { encodeMvccWrite } from '../../../src/backup/mvcc-write';
import { initSstCodecs, writeSst } from '../../../src/backup/sst';
import { toStorageBackend } from '../../../src/backup/storage-backend';
import { appendTs, concatBytes, encodeBytes, recordKey } from '../../../src/plan/keys';
import { startSimulator } from '../../../src/simulator/server';
import { testS3Endpoint } from '../../support/env';
import { call, importClient } from './support/grpc-clients';

// A simulated TiKV reads the SST from a real S3 server with its own (environment) credentials:
// the DownloadRequest carries none, as brflow's StorageBackend never does.
describe('Download from S3', () => {
  it('reads the object named in the request through the storage backend and stages its KVs', async () => {
    const endpoint = testS3Endpoint();
    const bucket = `brflow-sim-${Date.now().toString(36)}`;
    const admin = new S3Client({ endpoint, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
    await initSstCodecs();
    const key = concatBytes(new Uint8Array([0x7a]), appendTs(encodeBytes(recordKey(7, 1)), 100n));
    const sst = writeSst([{ key, value: encodeMvccWrite({ type: 'put', startTs: 99n, shortValue: new Uint8Array([1]) }) }]);
    await admin.send(new CreateBucketCommand({ Bucket: bucket }));
    await admin.send(new PutObjectCommand({ Bucket: bucket, Key: 'backup/1/a_write.sst', Body: sst }));
    admin.destroy();

    const sim = await startSimulator({ stores: 1, pdMembers: 1, tidb: false });
    const c = importClient(sim.stores[0]!.address);
    try {
      const r = sim.state.regions()[0]!;
      const backend = toStorageBackend(`s3://${bucket}/backup?endpoint=${endpoint}`);
      expect(backend.s3!.accessKey).toBe('');
      const res = await call(c.download.bind(c), {
        ssts: {},
        sst: {
          uuid: randomBytes(16), range: { start: Buffer.alloc(0), end: Buffer.alloc(0) }, crc32: 0, length: BigInt(sst.length), cfName: 'write',
          regionId: BigInt(r.id), regionEpoch: { confVer: BigInt(r.epoch.confVer), version: BigInt(r.epoch.version) },
          endKeyExclusive: false, totalKvs: 0n, totalBytes: 0n, apiVersion: 0, cipherIv: Buffer.alloc(0),
        },
        resolvedTs: 0n, name: '1/a_write.sst', rewriteRule: undefined, storageBackend: backend, isRawKv: false, cipherInfo: undefined,
        storageCacheId: '', requestType: 0, context: undefined, sortedRewriteRules: [],
      });
      expect(res.error).toBeUndefined();
      expect(res.range!.start).toEqual(Buffer.from(key.subarray(1)));
      expect(sim.inspector.snapshot().counters.downloadsByName).toEqual({ '1/a_write.sst': 1 });
      expect(sim.inspector.snapshot().stores[0]!.staged).toBe(1);

      const missing = await call(c.download.bind(c), {
        ssts: {}, sst: { uuid: randomBytes(16), range: undefined, crc32: 0, length: 0n, cfName: 'write', regionId: BigInt(r.id),
          regionEpoch: { confVer: BigInt(r.epoch.confVer), version: BigInt(r.epoch.version) }, endKeyExclusive: false, totalKvs: 0n, totalBytes: 0n, apiVersion: 0, cipherIv: Buffer.alloc(0) },
        resolvedTs: 0n, name: '1/nope_write.sst', rewriteRule: undefined, storageBackend: backend, isRawKv: false, cipherInfo: undefined,
        storageCacheId: '', requestType: 0, context: undefined, sortedRewriteRules: [],
      });
      expect(missing.error?.message).toMatch(/failed to read 1\/nope_write\.sst/);
    } finally {
      c.close();
      await sim.stop();
    }
  });
});
