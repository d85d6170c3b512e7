import { status } from '@grpc/grpc-js';
import {
  ClusterError,
  classifyDownloadFailure,
  classifyError,
  classifyGrpcCode,
  classifyHttpStatus,
  classifyPdHeaderError,
  classifyRegionError,
  toClusterError,
} from '../../../src/cluster/errors';
import { ErrorType, isBrflowError } from '../../../src/plan/error-types';
import { Error as RegionErrorPb } from '../../../src/proto/errorpb';

const peer = { id: 7n, storeId: 3n, role: 0, isWitness: false };
const region = { id: 9n, startKey: Buffer.from('a'), endKey: Buffer.from('b'), regionEpoch: { confVer: 1n, version: 2n }, peers: [peer], isInFlashback: false, flashbackStartTs: 0n };

describe('classifyRegionError', () => {
  it.each([
    [{ notLeader: { regionId: 9n, leader: peer } }, 'not-leader', true],
    [{ epochNotMatch: { currentRegions: [region] } }, 'epoch-not-match', true],
    [{ keyNotInRegion: { key: Buffer.from('k'), regionId: 9n, startKey: Buffer.alloc(0), endKey: Buffer.alloc(0) } }, 'key-not-in-region', true],
    [{ regionNotFound: { regionId: 9n } }, 'region-not-found', true],
    [{ serverIsBusy: { reason: 'too many sst files are ingesting', backoffMs: 0n, estimatedWaitMs: 0, appliedIndex: 0n } }, 'server-busy', true],
    [{ staleCommand: {} }, 'stale-command', true],
    [{ diskFull: { storeId: [1n], reason: 'disk full' } }, 'disk-full', false],
    [{ readIndexNotReady: { reason: 'x', regionId: 1n } }, 'region-not-ready', true],
    [{}, 'unknown', false],
  ])('%j → %s', (partial, kind, retryable) => {
    const c = classifyRegionError(RegionErrorPb.fromPartial(partial as never));
    expect(c.kind).toBe(kind);
    expect(c.retryable).toBe(retryable);
  });

  it('carries the new leader, the current regions and the busy hint', () => {
    expect(classifyRegionError(RegionErrorPb.fromPartial({ notLeader: { regionId: 9n, leader: peer } })).leader).toEqual(peer);
    expect(classifyRegionError(RegionErrorPb.fromPartial({ epochNotMatch: { currentRegions: [region] } })).currentRegions).toEqual([region]);
    expect(classifyRegionError(RegionErrorPb.fromPartial({ serverIsBusy: { reason: 'busy', backoffMs: 250n } })).backoffMs).toBe(250);
  });

  it('treats a NotLeader without a known leader (store 0) as "ask PD"', () => {
    const c = classifyRegionError(RegionErrorPb.fromPartial({ notLeader: { regionId: 9n, leader: { id: 0n, storeId: 0n } } }));
    expect(c.kind).toBe('not-leader');
    expect(c.leader).toBeUndefined();
  });
});

describe('classifyGrpcCode / classifyHttpStatus', () => {
  it.each([
    [status.UNAVAILABLE, 'unavailable', true],
    [status.ABORTED, 'unavailable', true],
    [status.DEADLINE_EXCEEDED, 'deadline', true],
    [status.RESOURCE_EXHAUSTED, 'server-busy', true],
    [status.UNIMPLEMENTED, 'unimplemented', false],
    [status.INVALID_ARGUMENT, 'rejected', false],
    [status.CANCELLED, 'cancelled', false],
    [status.INTERNAL, 'unknown', false],
  ])('gRPC %i → %s', (code, kind, retryable) => {
    expect(classifyGrpcCode(code, 'x')).toMatchObject({ kind, retryable, grpcCode: code });
  });

  it.each([
    [500, 'unavailable', true],
    [503, 'unavailable', true],
    [429, 'server-busy', true],
    [404, 'not-found', false],
    [405, 'unimplemented', false],
    [400, 'rejected', false],
    [403, 'rejected', false],
  ])('HTTP %i → %s', (st, kind, retryable) => {
    expect(classifyHttpStatus(st, 'x')).toMatchObject({ kind, retryable, httpStatus: st });
  });

  // Bodies as the real PD v8.5.4 writes them (JSON strings).
  it.each([
    ['"[PD:cluster:ErrNotBootstrapped]TiKV cluster not bootstrapped, please start TiKV first"', 'rejected', false],
    ['"[PD:scheduler:ErrSchedulerNotFound]scheduler not found"', 'rejected', false],
    ['"[PD:scheduler:ErrSchedulerExisted]scheduler existed"', 'rejected', false],
    // PD still starting: a real outage, retried.
    ['[PD:server:ErrServerNotStarted]server not started', 'unavailable', true],
    ['upstream connect error', 'unavailable', true],
  ])('HTTP 500 %s → %s', (body, kind, retryable) => {
    const c = classifyHttpStatus(500, `HTTP 500: ${body}`);
    expect(c).toMatchObject({ kind, retryable, httpStatus: 500 });
    if (!retryable) expect(c.detail).toMatch(/PD answered Err\w+: .* — /);
  });
});

describe('classifyPdHeaderError', () => {
  // Type names and messages as the real PD v8.5.4 sends them.
  it.each([
    ['NOT_BOOTSTRAPPED', 'cluster is not bootstrapped', 'rejected', false],
    ['REGION_NOT_FOUND', 'region %d not found', 'region-not-found', true],
    ['UNKNOWN', 'region 2 is not fully replicated', 'region-not-ready', true],
    ['UNKNOWN', 'invalid store ID 99, not found', 'pd-error', false],
  ])('%s "%s" → %s', (type, msg, kind, retryable) => {
    expect(classifyPdHeaderError(type, msg)).toMatchObject({ kind, retryable });
  });
});

describe('classifyError', () => {
  it('reads gRPC ServiceErrors, region errors, socket errors and timeouts', () => {
    expect(classifyError(Object.assign(new Error('14 UNAVAILABLE'), { code: status.UNAVAILABLE, details: 'No connection established' }))).toMatchObject({ kind: 'unavailable', retryable: true, detail: 'No connection established' });
    expect(classifyError(RegionErrorPb.fromPartial({ epochNotMatch: { currentRegions: [] } })).kind).toBe('epoch-not-match');
    expect(classifyError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toMatchObject({ kind: 'unavailable', retryable: true });
    expect(classifyError(new DOMException('timed out', 'TimeoutError'))).toMatchObject({ kind: 'deadline', retryable: true });
    expect(classifyError(new Error('boom'))).toMatchObject({ kind: 'unknown', retryable: false });
  });

  it('round-trips a ClusterError and keeps its fields', () => {
    const e = new ClusterError('127.0.0.1:20160', 'TiKV Ingest', classifyRegionError(RegionErrorPb.fromPartial({ notLeader: { regionId: 1n, leader: peer } })));
    expect(classifyError(e)).toMatchObject({ kind: 'not-leader', retryable: true, leader: peer });
  });
});

describe('ClusterError', () => {
  it('is a BrflowError with a catalog type and a message naming the call and the address', () => {
    const e = toClusterError(Object.assign(new Error('14 UNAVAILABLE'), { code: status.UNAVAILABLE, details: 'connection refused' }), '10.0.0.1:2379', 'PD GetMembers');
    expect(isBrflowError(e)).toBe(true);
    expect(e.type).toBe(ErrorType.ClusterUnavailable);
    expect(e.message).toContain('10.0.0.1:2379');
    expect(e.message).toContain('PD GetMembers');
    expect(toClusterError(e, 'elsewhere', 'other')).toBe(e);
  });

  it('maps region errors to RegionError and refusals to ClusterRejected', () => {
    expect(new ClusterError('a', 'c', { kind: 'epoch-not-match', retryable: true, detail: '' }).type).toBe(ErrorType.RegionError);
    expect(new ClusterError('a', 'c', { kind: 'rejected', retryable: false, detail: '' }).type).toBe(ErrorType.ClusterRejected);
    expect(new ClusterError('a', 'c', { kind: 'deadline', retryable: true, detail: '' }).type).toBe(ErrorType.ClusterUnavailable);
  });
});

describe('classifyDownloadFailure (TiKV Download answered with import_sstpb.Error)', () => {
  test.each([
    'Engine Corruption: Corruption: bad block contents',
    'failed to read 1_2_3_write.sst: No such file or directory (os error 2)',
    'NoSuchKey: The specified key does not exist.',
    'sst crc32 mismatch',
  ])('a missing or damaged backup file is permanent and typed SstCorrupt: %s', (msg) => {
    const c = classifyDownloadFailure(msg);
    expect(c).toMatchObject({ kind: 'backup-file-unreadable', retryable: false });
    expect(new ClusterError('tikv:20160', 'TiKV Download f.sst', c).type).toBe(ErrorType.SstCorrupt);
  });
  test.each(['connection reset by peer', 'slow down: please reduce your request rate', ''])('anything else stays retryable: "%s"', (msg) => {
    expect(classifyDownloadFailure(msg)).toMatchObject({ kind: 'download-failed', retryable: true });
  });
});
