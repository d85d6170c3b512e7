import type { ChecksumControl, DataImporter, ScheduleControl, StoreControl, TsoAndGc } from '../../../src/activities/deps';
import { checksumControl, dataImporter, scheduleControl, storeControl } from '../../../src/cluster/cluster-controls';
import type { ClusterConnection } from '../../../src/cluster/cluster-connection';

/**
 * Compile-time contract: the cluster factories fit the activities' dependency interfaces, so the worker can
 * wire them without adapters. `tsc` fails this file when either side drifts.
 */
export function wire(conn: ClusterConnection): { pd: TsoAndGc; schedules: ScheduleControl; stores: StoreControl; importer: DataImporter; checksum: ChecksumControl } {
  return { pd: conn.pd, schedules: scheduleControl(conn), stores: storeControl(conn), importer: dataImporter(conn), checksum: checksumControl(conn) };
}

describe('cluster controls', () => {
  it('exports the factories the worker wires', () => {
    expect([scheduleControl, storeControl, dataImporter, checksumControl].every((f) => typeof f === 'function')).toBe(true);
  });
});
