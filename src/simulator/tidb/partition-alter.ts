import type { PartitionInfo, TableInfo } from '../../plan/table-info';
import type { AlterSpec } from './sql-ast';
import { ErrNo, SqlError } from './sql-error';
import { partitionDefinitionInfo } from './table-builder';

type PartitionAlter = Extract<AlterSpec, { kind: 'add-partitions' | 'drop-partitions' | 'truncate-partitions' | 'coalesce-partitions' | 'reorganize-partitions' | 'remove-partitioning' }>;

/** TiDB's ErrPartitionMgmtOnNonpartitioned / ErrDropPartitionNonExistent / ErrOnlyOnRangeListPartition numbers. */
const ER_PARTITION_MGMT_ON_NONPARTITIONED = 1505;
const ER_DROP_PARTITION_NON_EXISTENT = 1507;
const ER_ONLY_ON_RANGE_LIST_PARTITION = 1512;
const ER_DROP_LAST_PARTITION = 1508;

/**
 * Partition management of a recorded DDL job, as it leaves the TableInfo: new partitions take fresh global IDs
 * (TRUNCATE too: TiDB gives the emptied partition a new physical table); `num` follows the partition count.
 * Hash/key ADD and COALESCE rewrite every partition (new IDs, names p0…), as TiDB reorganises their data.
 */
export function alterPartitions(t: TableInfo, spec: PartitionAlter, genId: () => number): void {
  const p = t.partition;
  if (!p) throw new SqlError(ER_PARTITION_MGMT_ON_NONPARTITIONED, 'Partition management on a not partitioned table is not possible');
  const named = (names: string[]) => {
    const wanted = names.map((n) => n.toLowerCase());
    const missing = wanted.filter((n) => !p.definitions.some((d) => d.name.L === n));
    if (missing.length > 0) throw new SqlError(ER_DROP_PARTITION_NON_EXISTENT, `Error in list of partitions to ${spec.kind.split('-')[0]?.toUpperCase()}`);
    return new Set(wanted);
  };
  const hashLike = p.type === 2 || p.type === 4;
  switch (spec.kind) {
    case 'add-partitions':
      if (hashLike) return renumberHash(p, p.definitions.length + (spec.count ?? spec.definitions.length), genId);
      p.definitions.push(...spec.definitions.map((d) => partitionDefinitionInfo(d, genId)));
      break;
    case 'drop-partitions': {
      if (hashLike) throw new SqlError(ER_ONLY_ON_RANGE_LIST_PARTITION, 'DROP PARTITION can only be used on RANGE/LIST partitions');
      // TiDB counts before it looks the names up: naming as many partitions as there are is refused first.
      if (spec.names.length >= p.definitions.length) throw new SqlError(ER_DROP_LAST_PARTITION, 'Cannot remove all partitions, use DROP TABLE instead');
      const drop = named(spec.names);
      p.definitions = p.definitions.filter((d) => !drop.has(d.name.L));
      break;
    }
    case 'truncate-partitions': {
      const trunc = named(spec.names);
      for (const d of p.definitions) if (trunc.has(d.name.L)) d.id = genId();
      return;
    }
    case 'coalesce-partitions':
      if (!hashLike) throw new SqlError(ErrNo.Unknown, 'COALESCE PARTITION can only be used on HASH/KEY partitions');
      if (spec.count >= p.definitions.length) throw new SqlError(ER_DROP_LAST_PARTITION, 'Cannot remove all partitions, use DROP TABLE instead');
      return renumberHash(p, p.definitions.length - spec.count, genId);
    case 'reorganize-partitions': {
      const from = named(spec.names);
      const at = p.definitions.findIndex((d) => from.has(d.name.L));
      const fresh = spec.definitions.map((d) => partitionDefinitionInfo(d, genId));
      p.definitions = [...p.definitions.slice(0, at).filter((d) => !from.has(d.name.L)), ...fresh, ...p.definitions.slice(at).filter((d) => !from.has(d.name.L))];
      keepReorganizeTarget(p);
      break;
    }
    case 'remove-partitioning':
      // The rows move to a new, unpartitioned physical table.
      t.partition = null;
      t.id = genId();
      return;
  }
  p.num = p.definitions.length;
}

function renumberHash(p: PartitionInfo, count: number, genId: () => number): void {
  p.definitions = Array.from({ length: count }, (_, i) => partitionDefinitionInfo({ name: `p${i}` }, genId));
  p.num = count;
  keepReorganizeTarget(p);
}

/**
 * A reorganising job leaves its target partitioning behind in ddl_type / ddl_expr / ddl_columns (v8.5.3 keeps
 * them after the job; empty ones are omitted from its JSON).
 */
function keepReorganizeTarget(p: PartitionInfo): void {
  p.ddl_type = p.type;
  if (p.expr) p.ddl_expr = p.expr;
  if (p.columns && p.columns.length > 0) p.ddl_columns = p.columns.map((c) => ({ ...c }));
}
