import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

/**
 * With BRFLOW_RECORD_HISTORIES=1, keeps a run's history as a replay fixture (test/fixtures/histories/<file>.bin,
 * replayed by test/replay): each shipped workflow version must keep replaying the histories of the versions before it.
 */
export async function recordHistory(client: Client, file: string, workflowId: string, runId?: string): Promise<void> {
  if (process.env.BRFLOW_RECORD_HISTORIES !== '1') return;
  // Binary protobuf: the JSON route (historyToJSON/historyFromJSON) fails here because two copies of
  // protobufjs are installed under @temporalio/common and @temporalio/proto.
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const out = join(__dirname, '../fixtures/histories');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `${file}.bin`), temporal.api.history.v1.History.encode(history).finish());
}
