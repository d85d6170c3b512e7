import { ApplicationFailure } from '@temporalio/activity';
import { ErrorType } from '../plan/error-types';
import type { PlanTable } from '../plan/restore-plan';
import { buildTableRewrite, type TableRewrite } from '../plan/rewrite-rules';
import type { TableInfo } from '../plan/table-info';
import type { SchemaControl } from './deps';

/**
 * The restored table as TiDB holds it and its rewrite from the backup's IDs, learned from TiDB itself (as BR
 * reads infoschema after creating a table), so no ID map has to travel through history.
 */
export async function resolveTable(schema: SchemaControl, t: PlanTable): Promise<{ newInfo: TableInfo; rewrite: TableRewrite }> {
  const newInfo = await schema.getTable(t.db, t.name);
  if (!newInfo) {
    // The workflow only dispatches a batch after its table was created, so the table was dropped meanwhile.
    throw ApplicationFailure.nonRetryable(`table \`${t.db}\`.\`${t.name}\` vanished from the target cluster during the restore; do not drop tables being restored`, ErrorType.ClusterRejected);
  }
  return { newInfo, rewrite: buildTableRewrite(t.info, newInfo) };
}
