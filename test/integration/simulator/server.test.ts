import { createConnection } from 'mysql2/promise';
import { connect } from 'node:net';
import { startSimulator } from '../../../src/simulator/server';

const reachable = (hostPort: string) =>
  new Promise<boolean>((resolve) => {
    const [host, port] = hostPort.split(':');
    const s = connect(Number(port), host!, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });

describe('startSimulator', () => {
  it('starts PD, TiKV stores, the admin API and the TiDB front on distinct loopback ports, and stop() closes them all', async () => {
    const sim = await startSimulator({ stores: 2 });
    const addrs = [sim.pdAddress, ...sim.pdAddresses.slice(1), ...sim.stores.flatMap((s) => [s.address, s.statusAddress]), sim.adminUrl.replace('http://', ''), sim.tidb!.address, sim.tidb!.statusAddress];
    try {
      expect(new Set(addrs).size).toBe(addrs.length);
      for (const a of addrs) expect(a).toMatch(/^127\.0\.0\.1:\d+$/);
      const conn = await createConnection({ host: '127.0.0.1', port: Number(sim.tidb!.address.split(':')[1]), user: 'root' });
      const [rows] = await conn.query('SELECT 1 AS one');
      await conn.end();
      expect(rows).toEqual([{ one: 1 }]);
      expect((await fetch(`http://${sim.stores[0]!.statusAddress}/status`)).status).toBe(200);
    } finally {
      await sim.stop();
    }
    for (const a of addrs) expect(await reachable(a)).toBe(false);
  });

  it('runs without TiDB when asked', async () => {
    const sim = await startSimulator({ tidb: false, stores: 1, pdMembers: 1 });
    try {
      expect(sim.tidb).toBeUndefined();
      expect(sim.stores).toHaveLength(1);
      expect(sim.state.regions()[0]!.peers).toHaveLength(1);
    } finally {
      await sim.stop();
    }
  });
});
