import { MysqlType, type TableInfo } from '../../plan/table-info';
import type { TableOptions } from './sql-ast';
import { SqlError } from './sql-error';
import { ciStr, findColumn } from './table-builder';

/** ast.TimeUnitType numbers TiDB stores as ttl_info.interval_time_unit. */
const TIME_UNITS: Record<string, number> = { microsecond: 1, second: 2, minute: 3, hour: 4, day: 5, week: 6, month: 7, quarter: 8, year: 9 };

/** TiDB's ErrUnsupportedColumnInTTLConfig, ErrSetTTLOptionForNonTTLTable, ErrUnknownPlacementPolicy numbers. */
const ER_TTL_COLUMN_TYPE = 8148;
const ER_TTL_OPTION_WITHOUT_TTL = 8150;
const ER_UNKNOWN_PLACEMENT_POLICY = 8239;

/** TTL job interval TiDB records when none is given. */
const DEFAULT_TTL_JOB_INTERVAL = '1h';

/**
 * The TTL and placement options of CREATE/ALTER TABLE as v8.5.3 keeps them: ttl_info {column, interval_expr,
 * interval_time_unit, enable, job_interval}; TTL_ENABLE / TTL_JOB_INTERVAL need a TTL (8150); the TTL column
 * must be DATE, DATETIME or TIMESTAMP (8148). The simulator has no placement policies but `default`, which is
 * no policy at all (policy_ref_info stays null); any other name is unknown (8239).
 */
export function applyTtlAndPlacement(t: TableInfo, o: TableOptions): void {
  if (o.placementPolicy !== undefined && o.placementPolicy.toLowerCase() !== 'default') {
    throw new SqlError(ER_UNKNOWN_PLACEMENT_POLICY, `Unknown placement policy '${o.placementPolicy}'`);
  }
  if (o.ttl) {
    const col = findColumn(t, o.ttl.column);
    if (!col) throw SqlError.unknownColumn(o.ttl.column, 'TTL config');
    if (![MysqlType.Date, MysqlType.Datetime, MysqlType.Timestamp].includes(col.type.Tp as 10)) {
      throw new SqlError(ER_TTL_COLUMN_TYPE, `Field '${col.name.O}' is of a not supported type for TTL config, expect DATETIME, DATE or TIMESTAMP`);
    }
    const unit = TIME_UNITS[o.ttl.unit];
    if (unit === undefined) throw SqlError.unsupported(`INTERVAL unit ${o.ttl.unit.toUpperCase()} in a TTL`);
    const old = t.ttl_info as { enable?: boolean; job_interval?: string } | null | undefined;
    t.ttl_info = { column: ciStr(col.name.O), interval_expr: o.ttl.interval, interval_time_unit: unit, enable: old?.enable ?? true, job_interval: old?.job_interval ?? DEFAULT_TTL_JOB_INTERVAL };
  }
  if (o.ttlEnable !== undefined || o.ttlJobInterval !== undefined) {
    const info = t.ttl_info as { enable: boolean; job_interval: string } | null | undefined;
    if (!info) throw new SqlError(ER_TTL_OPTION_WITHOUT_TTL, `Cannot set ${o.ttlEnable !== undefined ? 'TTL_ENABLE' : 'TTL_JOB_INTERVAL'} on a table without TTL config`);
    if (o.ttlEnable !== undefined) info.enable = o.ttlEnable;
    if (o.ttlJobInterval !== undefined) info.job_interval = o.ttlJobInterval;
  }
}
