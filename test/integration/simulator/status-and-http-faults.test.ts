import { status } from '@grpc/grpc-js';
import { SwitchMode } from '../../../src/proto/import_sstpb';
import { startSimulator, type SimulatorHandle } from '../../../src/simulator/server';
import { call, grpcCode, importClient } from './support/grpc-clients';

/** The status-code and PD HTTP faults, over the real sockets and the admin API. */
describe('status-code and PD HTTP faults', () => {
  let sim: SimulatorHandle;
  beforeEach(async () => {
    sim = await startSimulator({ stores: 2, pdMembers: 1, tidb: false });
  });
  afterEach(async () => {
    await sim.stop();
  });
  const post = (path: string, body: unknown) => fetch(`${sim.adminUrl}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

  it('answers the scripted gRPC status only to SwitchMode calls with the fault\'s target mode, and the store stays as it was', async () => {
    expect((await post('/faults/status', { rpc: 'SwitchMode', code: status.FAILED_PRECONDITION, detail: 'Import', message: 'no import today', target: 1 })).status).toBe(200);
    const c = importClient(sim.stores[0]!.address);
    try {
      const refused = await call(c.switchMode.bind(c), { mode: SwitchMode.Import, ranges: [] }).catch((e: unknown) => e as { code: number; details: string });
      expect({ code: (refused as { code: number }).code, details: (refused as { details: string }).details }).toEqual({ code: status.FAILED_PRECONDITION, details: 'no import today' });
      expect(sim.inspector.snapshot().stores.map((s) => s.mode)).toEqual(['Normal', 'Normal']);
      expect(await grpcCode(call(c.switchMode.bind(c), { mode: SwitchMode.Normal, ranges: [] }))).toBeUndefined();
    } finally {
      c.close();
    }
    const other = importClient(sim.stores[1]!.address);
    try {
      expect(await grpcCode(call(other.switchMode.bind(other), { mode: SwitchMode.Import, ranges: [] }))).toBeUndefined();
    } finally {
      other.close();
    }
    expect(sim.inspector.snapshot().stores.map((s) => s.mode)).toEqual(['Normal', 'Import']);
    expect(sim.faults.snapshot().fired).toEqual({ SwitchMode: 1 });
    expect((await post('/faults/status', { rpc: 'SwitchMode', code: 99 })).status).toBe(400);
  });

  it('fails matching PD HTTP requests with the scripted status and PD-style body, counted, others served', async () => {
    const pd = `http://${sim.pdAddress}/pd/api/v1`;
    expect((await post('/faults/http', { method: 'POST', url: '^/pd/api/v1/config\\?ttlSecond=0$', status: 503, message: 'PD is busy', count: 1 })).status).toBe(200);
    const setTtl = (ttl: number) => fetch(`${pd}/config?ttlSecond=${ttl}`, { method: 'POST', body: JSON.stringify({ 'schedule.max-merge-region-keys': 0 }) });
    expect((await setTtl(30)).status).toBe(200);
    const refused = await setTtl(0);
    expect([refused.status, await refused.json()]).toEqual([503, 'PD is busy']);
    expect((await setTtl(0)).status).toBe(200);
    expect((await fetch(`${pd}/version`)).status).toBe(200);
    expect(sim.faults.snapshot().fired).toEqual({ 'HTTP POST /pd/api/v1/config': 1 });
    expect((await post('/faults/http', { url: '(', status: 500 })).status).toBe(400);
    expect((await post('/faults/http', { url: '.', status: 200 })).status).toBe(400);
  });
});
