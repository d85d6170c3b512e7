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
});
