import { connectCluster } from '../../../src/cluster/cluster-connection';
import { splitAndScatter } from '../../../src/cluster/region-split';
import { startRealPdCluster, type RealPd } from '../../../src/local-stack/real-pd';
import { realPdFootprint } from '../../../src/local-stack/sim-stack';
import { recordKey, toHex } from '../../../src/plan/keys';
import { startSimulator } from '../../../src/simulator/server';
import { progressQuery } from '../../../src/workflows/messages';
import { restoreWorkflow } from '../../../src/workflows/restore';
import { eventually } from '../../support/eventually';
import { FAST_TIMINGS, openRestoreEnv, type RestoreEnvWithBackup } from '../../support/restore-env';
import { recordedChecksums, restoredChecksums } from '../../support/sim-cluster';

let env: RestoreEnvWithBackup;

beforeAll(async () => {
  env = await openRestoreEnv({
    prefix: 'pd-failover',
    backup: { seed: 23, tables: 8, rows: 200, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false },
  });
}, 120_000);

afterAll(async () => {
  await env?.close();
});

/** Kills the PD leader and waits until another member leads; returns the new leader. */
async function killLeader(pds: RealPdCluster): Promise<RealPd> {
  const old = (await pds.leader())!;
  process.kill(old.pid, 'SIGKILL');
  return eventually(60_000, async () => {
    const l = await pds.leader();
    if (!l || l === old) throw new Error('no new PD leader yet');
    return l;
  }, 500);
}

/**
 * Freezes the PD leader (SIGSTOP), as when its host hangs or drops off the network: its connections stay open and
 * nothing on them is answered or closed, which only deadlines and keepalives notice (a killed process resets them).
 * Waits until another member leads; returns both.
 */
async function freezeLeader(pds: RealPdCluster): Promise<{ frozen: RealPd; next: RealPd }> {
  const frozen = (await pds.leader())!;
  process.kill(frozen.pid, 'SIGSTOP');
  const next = await eventually(60_000, async () => {
    const l = await pds.leader();
    if (!l || l === frozen) throw new Error('no new PD leader yet');
    return l;
  }, 500);
  return { frozen, next };
}

async function pdGet<T>(pd: RealPd, path: string): Promise<T> {
  const res = await fetch(`http://${pd.address}/pd/api/v1/${path}`);
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/**
 * A real PD of three members whose leader is killed: the simulated stores follow the new leader as TiKV does
 * (heartbeats, the RegionHeartbeat stream its operators come back on), and brflow's own PD client, given every
 * member, splits and scatters through it.
 */
test('a real PD leader killed: the stores heartbeat the new leader, and a split and scatter go through it', async () => {
  const pds = await startRealPdCluster(3);
  const sim = await startSimulator({ stores: 3, tidb: false, pd: { external: pds.endpoints[0]! } });
  const conn = await connectCluster({ pdEndpoints: sim.pdAddresses });
  try {
    await sim.waitForReplicas!(3, 60_000);
    // The simulator names every member, as a client of the cluster needs them.
    expect([...sim.pdAddresses].sort()).toEqual([...pds.endpoints].sort());

    const next = await killLeader(pds);
    const since = Date.now();
    // Every store is Up at the new leader, with heartbeats it received after the old one died.
    await eventually(30_000, async () => {
      const body = await pdGet<{ stores: { store: { state_name: string }; status: { last_heartbeat_ts: string } }[] }>(next, 'stores');
      expect(body.stores.map((s) => s.store.state_name)).toEqual(['Up', 'Up', 'Up']);
      for (const s of body.stores) expect(Date.parse(s.status.last_heartbeat_ts)).toBeGreaterThan(since);
    }, 500);
    // It learned every region from the stores' heartbeats.
    await eventually(30_000, async () => expect((await pdGet<{ count: number }>(next, 'regions/count')).count).toBe(sim.state.regions().length), 500);

    const before = sim.state.regions().length;
    const keys = Array.from({ length: 12 }, (_, i) => toHex(recordKey(300 + i, 0)));
    const res = await splitAndScatter(conn, keys);
    expect(res.newRegionIds).toHaveLength(12);
    // Scattering finishes only when the stores carry out the new leader's operators, sent on their streams.
    expect(res.scatterFailed).toEqual([]);
    expect(res.scatterUnfinished).toEqual([]);
    expect(sim.state.regions().length).toBe(before + 12);
    await eventually(10_000, async () => expect((await pdGet<{ count: number }>(next, 'regions/count')).count).toBe(before + 12), 300);
  } finally {
    conn.close();
    await sim.stop();
    await pds.stop();
  }
}, 240_000);

type RealPdCluster = Awaited<ReturnType<typeof startRealPdCluster>>;

/**
 * A restore into 3 simulated stores under a real 3-member PD whose leader is lost (`lose`, returning the new leader)
 * once a batch is done, with slow downloads so that batches remain, and a keeper interval (60 s) that outlasts the
 * test. PD keeps scheduler pauses in its leader's memory: the new leader starts with none, and the keeper's watch
 * must pause them again within `repauseWithinMs` of the loss (a bare 60 s timer, as BR's, would leave them running
 * to the end) while batches are still being ingested. Then every checksum must match, and the new leader and the
 * stores must hold nothing of the restore.
 */
async function restoreLosingLeader(pds: RealPdCluster, lose: () => Promise<RealPd>, repauseWithinMs: number): Promise<void> {
  await env.withCluster({ stores: 3, pd: { external: pds.endpoints[0]! } }, async (c, taskQueue) => {
    await c.sim.waitForReplicas!(3, 60_000);
    c.sim.faults.addLatency({ rpc: 'Download', ms: 400 });
    const timings = { ...FAST_TIMINGS, keeperIntervalMs: 60_000, gcTtlSec: 300, pauseTtlSec: 300 };
    const handle = await env.client.workflow.start(restoreWorkflow, {
      taskQueue,
      workflowId: `pd-failover-${taskQueue}`,
      args: [{ storage: `local://${env.dir}`, batchFiles: 2, concurrency: 2, tableGroupSize: 3, timings }],
    });
    await eventually(60_000, async () => expect((await handle.query(progressQuery)).batches.done).toBeGreaterThanOrEqual(1));
    const paused = await pdGet<string[]>((await pds.leader())!, 'schedulers?status=paused');
    expect(paused).toEqual(expect.arrayContaining(['balance-region-scheduler', 'balance-leader-scheduler']));
    const atLoss = (await handle.query(progressQuery)).batches;
    const lostAt = Date.now();
    const next = await lose();
    await eventually(repauseWithinMs, async () => expect(await pdGet<string[]>(next, 'schedulers?status=paused')).toEqual(expect.arrayContaining(paused)), 300);
    const repausedAfterMs = Date.now() - lostAt;
    const atRepause = (await handle.query(progressQuery)).batches;
    expect(atLoss.done).toBeLessThan(atLoss.total);
    expect(atRepause.done).toBeLessThan(atRepause.total);
    expect(repausedAfterMs).toBeLessThan(repauseWithinMs);
    const result = await handle.result();
    const tables = env.manifest.tables.filter((t) => env.backup.tables.some((b) => b.db === t.db && b.table === t.name));
    expect(result.tables).toBe(tables.length);
    expect(result.checksum).toEqual({ enabled: true, passed: tables.length });
    expect(await restoredChecksums(c, tables)).toEqual(recordedChecksums(tables));
    // The old leader is still gone: everything went through the other members.
    expect(await pds.leader()).toBe(next);
    // The new leader holds nothing of the restore: no paused scheduler, no TTL override, no brflow safepoint.
    expect(await realPdFootprint(next.address)).toMatchObject({ pausedSchedulers: [], ttlOverrides: [], brflowSafePoints: [] });
    expect(c.sim.inspector.snapshot().stores.map((s) => s.mode)).toEqual(['Normal', 'Normal', 'Normal']);
  });
}

test('a real PD leader killed mid-restore: the new leader is paused again within seconds, the restore goes on through it, every checksum matches, and PD ends normal', async () => {
  const pds = await startRealPdCluster(3);
  try {
    // The kill resets the leader's connections: the new leader is elected and paused again well within 25 s.
    await restoreLosingLeader(pds, () => killLeader(pds), 25_000);
  } finally {
    await pds.stop();
  }
}, 300_000);

test('a real PD leader frozen mid-restore (its connections silent, never closed): brflow and the stores move to the new leader within their deadlines, the pauses come back, every checksum matches, and PD ends normal', async () => {
  const pds = await startRealPdCluster(3);
  let frozen: RealPd | undefined;
  try {
    // ~13 s here, most of it PD's election: the keeper's watch reads PD every 2 s with a 5 s deadline, so the
    // frozen member costs it one read (BR's 30 s hid the loss for half a minute), and the renewal's pauses start
    // at the member that answered, beside its safepoint call, which waits out the gRPC deadline on the frozen leader.
    // Before: the stores' region heartbeats went on to the frozen leader, the new one kept stale regions, and the
    // splits failed on epoch-not-match until their budget ran out.
    await restoreLosingLeader(pds, async () => {
      const moved = await freezeLeader(pds);
      frozen = moved.frozen;
      return moved.next;
    }, 25_000);
  } finally {
    if (frozen) process.kill(frozen.pid, 'SIGCONT');
    await pds.stop();
  }
}, 300_000);
