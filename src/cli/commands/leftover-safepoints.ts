import type { Client } from '@temporalio/client';
import { decodeRunHistory } from '../../activities/earlier-run';
import { connectPd } from '../../cluster/pd';
import { PdHttp } from '../../cluster/pd-http';
import { leftoverSafepoints, type Leftover } from '../../plan/leftover-safepoints';
import { outstandingUndo } from '../../plan/outstanding-undo';
import { workflowHistorySource } from '../../worker/workflow-history';

/**
 * The service safepoints of the cluster at `pdEndpoints` that hold GC back for nobody (src/plan/leftover-safepoints.ts),
 * removed from PD (TTL 0) when `remove`. A brflow safepoint counts as held while a running restore of this
 * namespace still owes its removal (its history's undo records).
 */
export async function leftoverServiceSafepoints(o: { client: Client; pdEndpoints: readonly string[]; remove: boolean; farHours: number }): Promise<(Leftover & { removed: boolean })[]> {
  const source = workflowHistorySource(o.client);
  const held = new Set<string>();
  for (const r of await source.list("WorkflowType = 'restoreWorkflow' AND ExecutionStatus = 'Running'", 1000)) {
    const run = await source.latestRun(r.workflowId);
    if (!run) continue;
    for (const u of outstandingUndo(decodeRunHistory(run.events))) if (u.kind === 'removeGcSafepoint') held.add(u.serviceId);
  }
  const sps = await new PdHttp({ endpoints: o.pdEndpoints }).serviceSafePoints();
  const found = leftoverSafepoints(sps, { held, nowSec: Math.floor(Date.now() / 1000), farSec: o.farHours * 3600 });
  if (!o.remove || found.length === 0) return found.map((f) => ({ ...f, removed: false }));
  const pd = await connectPd({ endpoints: o.pdEndpoints });
  try {
    const out: (Leftover & { removed: boolean })[] = [];
    // TTL 0 removes a service safepoint (as brflow's own compensation and BR v9 do).
    for (const f of found) {
      await pd.updateServiceGcSafePoint(f.serviceId, 0, 0n);
      out.push({ ...f, removed: true });
    }
    return out;
  } finally {
    pd.close();
  }
}
