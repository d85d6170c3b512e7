import { Faults } from '../../../src/simulator/faults';

describe('Faults', () => {
  it('fires a counted region error only for its RPC and target, then stops', () => {
    const f = new Faults();
    f.injectRegionError({ rpc: 'Download', kind: 'ServerIsBusy', count: 2, target: 1 });
    expect(f.decide('Download', 2).regionError).toBeUndefined();
    expect(f.decide('Ingest', 1).regionError).toBeUndefined();
    expect(f.decide('Download', 1).regionError).toBe('ServerIsBusy');
    expect(f.decide('Download', 1).regionError).toBe('ServerIsBusy');
    expect(f.decide('Download', 1).regionError).toBeUndefined();
    expect(f.snapshot().regionErrors).toEqual([]);
  });

  it('matches any RPC with "*", prefers UNAVAILABLE over region errors, and sums latency', () => {
    const f = new Faults();
    f.injectRegionError({ rpc: '*', kind: 'NotLeader', count: 1 });
    f.injectUnavailable({ rpc: 'Tso', count: 1, target: 'pd' });
    f.addLatency({ rpc: '*', ms: 5 });
    f.addLatency({ rpc: 'Tso', ms: 7, target: 'pd' });
    expect(f.decide('Tso', 'pd')).toEqual({ latencyMs: 12, unavailable: true });
    expect(f.decide('Tso', 'pd')).toEqual({ latencyMs: 12, unavailable: false, regionError: 'NotLeader' });
    expect(f.decide('GetMode', 3)).toEqual({ latencyMs: 5, unavailable: false });
  });

  it('a Download fault is one for the download step: it hits BatchDownload too and counts as Download; a BatchDownload fault hits only that form', () => {
    const f = new Faults();
    f.injectStatus({ rpc: 'Download', code: 7, count: 2 });
    f.addLatency({ rpc: 'Download', ms: 300 });
    expect(f.decide('BatchDownload', 1)).toEqual({ latencyMs: 300, unavailable: false, status: { code: 7, message: 'injected status 7 for BatchDownload' } });
    expect(f.decide('Download', 2).status?.code).toBe(7);
    expect(f.snapshot().fired).toEqual({ Download: 2 });
    f.clear();
    f.injectUnavailable({ rpc: 'BatchDownload', count: 1 });
    expect(f.decide('Download', 1).unavailable).toBe(false);
    expect(f.decide('BatchDownload', 1).unavailable).toBe(true);
    expect(f.snapshot().fired).toEqual({ Download: 2, BatchDownload: 1 });
  });

  it('keeps a down store unavailable until it is brought back up', () => {
    const f = new Faults();
    f.storeDown(2);
    expect(f.decide('SwitchMode', 2).unavailable).toBe(true);
    expect(f.decide('SwitchMode', 2).unavailable).toBe(true);
    expect(f.decide('SwitchMode', 1).unavailable).toBe(false);
    f.storeUp(2);
    expect(f.decide('SwitchMode', 2).unavailable).toBe(false);
    expect(() => f.injectUnavailable({ rpc: 'x', count: 0 })).toThrow(/positive/);
  });
  it('answers a status code only for calls with the fault\'s detail, for ever when uncounted, and counts what fired', () => {
    const f = new Faults();
    f.injectStatus({ rpc: 'SwitchMode', code: 9, detail: 'Import' });
    expect(f.decide('SwitchMode', 1, 'Normal')).toEqual({ latencyMs: 0, unavailable: false });
    expect(f.decide('SwitchMode', 1, 'Import').status?.code).toBe(9);
    expect(f.decide('SwitchMode', 2, 'Import').status?.code).toBe(9);
    expect(f.decide('SwitchMode', 2)).toEqual({ latencyMs: 0, unavailable: false });
    expect(f.snapshot().status).toHaveLength(1);
    expect(f.snapshot().fired).toEqual({ SwitchMode: 2 });
  });

  it('fails PD HTTP requests by method and URL pattern, counted, and rejects bad statuses and codes', () => {
    const f = new Faults();
    f.injectHttp({ method: 'POST', url: 'ttlSecond=0$', status: 503, count: 2 });
    expect(f.decideHttp('POST', '/pd/api/v1/config?ttlSecond=300')).toBeUndefined();
    expect(f.decideHttp('GET', '/pd/api/v1/config?ttlSecond=0')).toBeUndefined();
    expect(f.decideHttp('POST', '/pd/api/v1/config?ttlSecond=0')?.status).toBe(503);
    expect(f.decideHttp('post', '/pd/api/v1/config?ttlSecond=0')?.status).toBe(503);
    expect(f.decideHttp('POST', '/pd/api/v1/config?ttlSecond=0')).toBeUndefined();
    expect(f.snapshot().http).toEqual([]);
    expect(f.snapshot().fired).toEqual({ 'HTTP POST /pd/api/v1/config': 2 });
    expect(() => f.injectHttp({ url: '.', status: 200 })).toThrow(/status must be in \[400, 599\]/);
    expect(() => f.injectHttp({ url: '(', status: 500 })).toThrow();
    expect(() => f.injectStatus({ rpc: 'Download', code: 0 })).toThrow(/\[1, 16\]/);
  });
});
