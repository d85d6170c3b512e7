import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActivities, type RestoreActivities } from '../../src/activities';
import type { ActivityDeps } from '../../src/activities/deps';
import { makeBackup, type MakeBackupOptions } from '../../src/backup/generator/make-backup';
import { LocalStorage } from '../../src/backup/local-storage';
import { startSimulator, type SimulatorHandle } from '../../src/simulator/server';
import { normalizeRestoreRequest } from '../../src/workflows/normalize-request';
import { connectClusterDeps } from '../../src/worker/cluster-deps';

/** A make-backup backup in a temp dir, a simulator, and the restore activities wired to it through the real clients. */
export interface ActivitiesOnSim {
  dir: string;
  sim: SimulatorHandle;
  acts: RestoreActivities;
  close(): Promise<void>;
}

/** `wrap` lets a test watch or alter one dep (the real clients stay underneath). */
export async function startActivitiesOnSim(tmpPrefix: string, backup: MakeBackupOptions, wrap: (deps: ActivityDeps) => ActivityDeps = (d) => d): Promise<ActivitiesOnSim> {
  const dir = await mkdtemp(join(tmpdir(), tmpPrefix));
  await makeBackup(new LocalStorage(dir), backup);
  const sim = await startSimulator({ stores: 3, scatterPolls: 1 });
  const [host, port] = sim.tidb!.address.split(':') as [string, string];
  const cd = await connectClusterDeps({ pdEndpoints: sim.pdAddresses, tidb: { host, port: Number(port), statusAddress: sim.tidb!.statusAddress, user: 'root', password: '' } });
  return {
    dir, sim, acts: createActivities(wrap(cd.deps)),
    close: async () => {
      await cd.close();
      await sim.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** planRestore's input for a raw restore input, normalized as the workflow normalizes it; bad input throws its problems. */
export function planRestoreInputOf(raw: Record<string, unknown>): Parameters<RestoreActivities['planRestore']>[0] {
  const req = normalizeRestoreRequest(raw);
  if (!('value' in req)) throw new Error(JSON.stringify(req));
  const r = req.value;
  return { storage: r.storage, filters: r.filters, caseSensitive: r.caseSensitive, batchFiles: r.batchFiles, mergeRegionSizeBytes: r.mergeRegionSizeBytes, mergeRegionKeyCount: r.mergeRegionKeyCount, tableGroupSize: r.tableGroupSize };
}
