import type { BackupFile, DdlJob, Manifest } from '../backup/manifest';
import { batchTables, planBatches, type BatchOptions, type ImportBatch } from './batches';
import { planColumnLayout, type ColumnLayoutPlan } from './column-ids';
import { contentHash } from './content-hash';
import { createDatabaseSql } from './create-sql';
import { BrflowError, ErrorType } from './error-types';
import { mergeFileRanges, type MergeOptions } from './merge-ranges';
import { groupFileRanges, rewriteRanges, type RewrittenRange } from './ranges';
import type { TableRewrite } from './rewrite-rules';
import { selectTables, type TableSelection } from './select-tables';
import { splitCandidates } from './split-keys';
import type { TableInfo } from './table-info';
import { realSchemaName } from './table-filter';
import { countObjects, databaseObjects, isRefused, schemaObjects, vectorIndexObjects, type SchemaObject, type SchemaObjectKind, type SkippedCounts } from './schema-objects';
import { databasePlacementSql, planPolicies, policyRef, tablePlacement, noteTargetPolicy, tablePolicyRefs, type PlannedPolicy, type TargetPolicy, type TablePlacement } from './placement-sql';
import { tableConstraints, type TableConstraints } from './table-constraints';
import { wantedTables } from './clustered-index-check';
import { isViewOrSequence, planViewsAndSequences, type PlanSequence, type PlanView } from './views-and-sequences';

export interface PlanOptions extends TableSelection {
  merge?: MergeOptions;
  batch?: BatchOptions;
  /** BR `--no-schema`: the tables exist already, so no DDL is planned. */
  noSchema?: boolean;
  /** Object kinds to restore tables without (the input's `skip`); any other such object fails planning. */
  skip?: readonly SchemaObjectKind[];
  /**
   * Plan as before schema objects were handled: foreign keys, CHECKs, TTL and placement left out with a layout
   * warning, nothing refused. Only for restores recorded then (PlanRef without schemaObjects), whose plan hash
   * must not change under them.
   */
  legacySchemaObjects?: boolean;
  /**
   * Create every placement policy of the backup, as BR's full restore does (filters included; BR's `restore db` /
   * `restore table`, here `db`, create only those referenced). Absent = only the referenced ones, which keeps the
   * plans of restores recorded before placement was recreated as they were.
   */
  allPolicies?: boolean;
  /**
   * Write partitioning as before partition expressions were written the way TiDB stores them (create-sql.ts
   * PartitionText 'legacy'). Only for restores recorded then (PlanRef without partitionTextAsStored).
   */
  legacyPartitionText?: boolean;
  /** Index IDs left as they come, as before placeholder indexes pinned them. Only for PlanRefs without pinIndexIds. */
  legacyIndexIds?: boolean;
  /**
   * A vector index makes its table unsupported (UnsupportedTable), as before vector indexes were a skippable kind
   * of schema object. Only for PlanRefs without vectorIndexObjects (implied by legacySchemaObjects).
   */
  legacyVectorIndexes?: boolean;
  /**
   * Each CREATE TABLE sets the table's auto ID bases as table options (plan/auto-ids.ts), so no ALTER rebases
   * them afterwards. Absent (PlanRefs without autoIdsInCreate): the CREATEs of the plans made before.
   */
  autoIdsInCreate?: boolean;
}

export interface PlanDatabase {
  /** Name in the backup, which is also the name it is created under (`mysql` stays `__TiDB_BR_Temporary_mysql`, as in BR). */
  name: string;
  /** Name the filter matched (`mysql` for BR's temporary system database). */
  realName: string;
  id: number;
  createSql: string;
  /** Its default placement policy (absent when none): recreated unless the input skips placement. */
  objects?: SchemaObject[];
  /** `ALTER DATABASE … PLACEMENT POLICY = …`, run after it is created (absent: no policy, or placement skipped). */
  placementSql?: string;
}

export interface PlanTable {
  /** Position in RestorePlan.tables (batches and ranges refer to it). */
  index: number;
  db: string;
  name: string;
  /** The backup's table ID and all its physical (partition) IDs. */
  oldId: number;
  physicalIds: number[];
  /** The backup's TableInfo: rewrite rules are built from it and the created table's TableInfo. */
  info: TableInfo;
  /** DDL to create it with the backup's column IDs, or why that is impossible. Absent with noSchema. */
  layout?: ColumnLayoutPlan;
  /** Its foreign keys, CHECK constraints, TTL and placement (absent when none): recreated, skipped or refused. */
  objects?: SchemaObject[];
  /** Statements adding its foreign keys, CHECK constraints and TTL once it exists (absent when none). */
  constraints?: TableConstraints;
  /** Statements giving it (and its partitions) the backed-up placement policies once it exists (absent when none). */
  placement?: TablePlacement;
  /** What the backup recorded; the post-restore checksum must equal it (all "0" = no checksum recorded). */
  checksum: { crc64xor: string; totalKvs: string; totalBytes: string };
  /** Its ranges [rangeStart, rangeEnd) and batches [batchStart, batchEnd). */
  rangeStart: number;
  rangeEnd: number;
  batchStart: number;
  batchEnd: number;
  files: number;
  bytes: string;
  kvs: string;
}

/** A merged range of one table in the backup's key space, with its files. */
export interface PlanRange {
  table: number;
  startKey: string;
  endKey: string;
  files: BackupFile[];
  totalBytes: string;
  totalKvs: string;
}

export interface PlanSummary {
  databases: number;
  tables: number;
  files: number;
  /** Σ File.total_bytes: logical key+value bytes, what the checksum counts. Decimal string. */
  bytes: string;
  /** Σ File.size: SST bytes to download. Decimal string. */
  sstBytes: string;
  kvs: string;
  ranges: number;
  batches: number;
  ddlJobs: number;
  /** Tables whose column layout SQL cannot reproduce (the restore refuses them). */
  unsupportedTables: number;
  /** Objects restored without, per kind, because the input skips the kind (absent when none). */
  skipped?: SkippedCounts;
  /** Objects that make the restore fail at planning: their kind is not skipped (absent when none). */
  unsupportedObjects?: number;
  /** Views to recreate once every table exists (absent when none). */
  views?: number;
  /** Sequences to recreate with the databases (absent when none). */
  sequences?: number;
}

/**
 * Everything a restore will do, derived only from the backup and the options: plain JSON, deterministic,
 * and named by a content hash so a resumed run can check it is working on the same plan.
 */
export interface RestorePlan {
  version: 1;
  backup: { clusterId: string; startVersion: string; endVersion: string; incremental: boolean; newCollationsEnabled: string };
  databases: PlanDatabase[];
  tables: PlanTable[];
  ranges: PlanRange[];
  batches: ImportBatch[];
  ddlJobs: DdlJob[];
  /** Views, in creation order (absent when none, so plans without any keep their hash; none with noSchema). */
  views?: PlanView[];
  /** Sequences (absent when none; none with noSchema). */
  sequences?: PlanSequence[];
  /** The object kinds the input skips (absent when none, so older plans keep their hash). */
  skip?: SchemaObjectKind[];
  /** Placement policies to create before the databases (absent when none, so older plans keep their hash). */
  placementPolicies?: PlannedPolicy[];
  /**
   * Policies the restored objects reference that the backup does not hold (absent when none): the restore uses
   * the target's, as BR does, and the pre-check refuses any the target lacks before anything changes.
   */
  targetPolicies?: TargetPolicy[];
  summary: PlanSummary;
  /** contentHash of every other field. */
  hash: string;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * BR's planning steps of RunRestore (raw-KV guard, CheckRestoreDBAndTable, filterRestoreFiles,
 * FilterDDLJobs, MergeFileRanges, batching) plus the SQL to create each object.
 * Incremental = NOT (start_version == end_version OR start_version == 0), as in BR.
 */
export function planRestore(manifest: Manifest, opts: PlanOptions = {}): RestorePlan {
  if (manifest.isRawKv) {
    throw new BrflowError(ErrorType.InvalidInput, 'cannot do transactional restore from raw kv data: the backup was taken with `br backup raw`; restore it with `br restore raw`');
  }
  const sel = selectTables(manifest, opts);
  // Placement is recreated unless skipped (or planned as before schema objects were handled, or no DDL at all).
  const placement = !opts.noSchema && !opts.legacySchemaObjects && !(opts.skip ?? []).includes('placement');
  const backupPolicies = new Set((manifest.placementPolicies ?? []).map((p) => p.name.L));
  // A reference to a policy the backup does not hold is kept as BR keeps it: TiDB resolves it by name on the
  // target. Whether the target has it is the pre-check's to say (it reads the target's policies), before
  // anything changes; the plan only lists such names (targetPolicies).
  const fromTarget = new Map<string, TargetPolicy>();
  const noteMissing = (policy: string | undefined, who: string): void => {
    if (placement && policy !== undefined && !backupPolicies.has(policy.toLowerCase())) noteTargetPolicy(fromTarget, policy, who);
  };
  const dbsWithPolicy = new Set<string>();
  const databases: PlanDatabase[] = [...sel.databases]
    .sort((a, b) => cmp(a.name, b.name))
    .map((d) => {
      const objects = opts.noSchema || opts.legacySchemaObjects ? [] : databaseObjects(d.info);
      noteMissing(policyRef(d.info), `database \`${d.name}\``);
      const placementSql = placement ? databasePlacementSql(d.info) : undefined;
      if (placementSql !== undefined) dbsWithPolicy.add(d.name);
      return { name: d.name, realName: realSchemaName(d.name), id: d.id, createSql: createDatabaseSql(d.info), ...(objects.length > 0 ? { objects } : {}), ...(placementSql !== undefined ? { placementSql } : {}) };
    });

  const sorted = [...sel.tables].sort((a, b) => cmp(a.db, b.db) || cmp(a.name, b.name) || a.id - b.id);
  // Views and sequences hold no data: they are created by their own steps, never ingested or checksummed.
  const selected = sorted.filter((t) => !isViewOrSequence(t));
  const { views, sequences } = opts.noSchema ? { views: [], sequences: [] } : planViewsAndSequences(sorted.filter(isViewOrSequence), [...selected, ...wantedTables([], sel.ddlJobs)]);
  const ranges: PlanRange[] = [];
  const legacyVector = opts.legacyVectorIndexes === true || opts.legacySchemaObjects === true;
  const tables: PlanTable[] = selected.map((t, index) => {
    const merged = mergeFileRanges(groupFileRanges(t.files), opts.merge).ranges;
    const rangeStart = ranges.length;
    for (const r of merged) ranges.push({ table: index, ...r });
    let bytes = 0n;
    let kvs = 0n;
    for (const f of t.files) {
      bytes += BigInt(f.totalBytes || '0');
      kvs += BigInt(f.totalKvs || '0');
    }
    const objects = opts.noSchema || opts.legacySchemaObjects ? [] : [...schemaObjects(t.info), ...(legacyVector ? [] : vectorIndexObjects(t.info))];
    noteMissing(policyRef(t.info), `table \`${t.db}\`.\`${t.name}\``);
    for (const p of t.info.partition?.definitions ?? []) noteMissing(policyRef(p), `partition \`${p.name.O}\` of \`${t.db}\`.\`${t.name}\``);
    const constraints = objects.length > 0 ? tableConstraints(t.info, new Set(opts.skip ?? [])) : undefined;
    const tp = placement ? tablePlacement(t.info, dbsWithPolicy.has(t.db)) : undefined;
    return {
      index, db: t.db, name: t.name, oldId: t.id, physicalIds: t.physicalIds, info: t.info,
      ...(opts.noSchema ? {} : { layout: planColumnLayout(t.info, { ...(opts.legacySchemaObjects ? { legacySchemaObjects: true } : {}), ...(opts.legacyPartitionText ? { legacyPartitionText: true } : {}), ...(opts.legacyIndexIds ? { legacyIndexIds: true } : {}), ...(legacyVector ? { legacyVectorIndexes: true } : {}), ...(placement ? { placementRecreated: true } : {}), ...(opts.autoIdsInCreate ? { autoIdsInCreate: true } : {}) }) }),
      ...(objects.length > 0 ? { objects } : {}),
      ...(constraints ? { constraints } : {}),
      ...(tp ? { placement: tp } : {}),
      checksum: { crc64xor: t.crc64xor, totalKvs: t.totalKvs, totalBytes: t.totalBytes },
      rangeStart, rangeEnd: ranges.length, batchStart: 0, batchEnd: 0, files: t.files.length, bytes: bytes.toString(), kvs: kvs.toString(),
    };
  });
  const batches = planBatches(ranges, opts.batch);
  // Each table's batches [batchStart, batchEnd): those holding its ranges. A table without ranges sits where
  // its ranges would have gone (after every batch that starts with an earlier table). One pass: batches and
  // ranges both follow table order.
  const batchOfRange = new Array<number>(ranges.length);
  for (const b of batches) for (let r = b.rangeStart; r < b.rangeEnd; r++) batchOfRange[r] = b.index;
  let before = 0;
  for (const t of tables) {
    while (before < batches.length && batches[before]!.table < t.index) before++;
    if (t.rangeEnd > t.rangeStart) {
      t.batchStart = batchOfRange[t.rangeStart]!;
      t.batchEnd = batchOfRange[t.rangeEnd - 1]! + 1;
    } else {
      t.batchStart = before;
      t.batchEnd = before;
    }
  }

  let bytes = 0n;
  let sstBytes = 0n;
  let kvs = 0n;
  let files = 0;
  for (const t of selected) {
    for (const f of t.files) {
      files++;
      bytes += BigInt(f.totalBytes || '0');
      sstBytes += BigInt(f.size || '0');
      kvs += BigInt(f.totalKvs || '0');
    }
  }
  const skip = new Set(opts.skip ?? []);
  const allObjects = [...databases.flatMap((d) => d.objects ?? []), ...tables.flatMap((t) => t.objects ?? [])];
  const skipped = countObjects(allObjects.filter((o) => skip.has(o.kind)));
  const refused = allObjects.filter((o) => isRefused(o, skip)).length;
  const referenced = new Set([...sel.databases.flatMap((d) => policyRef(d.info) ?? []), ...selected.flatMap((t) => tablePolicyRefs(t.info))].map((n) => n.toLowerCase()));
  const placementPolicies = placement ? planPolicies(manifest.placementPolicies ?? [], referenced, opts.allPolicies === true && opts.db === undefined) : [];
  const start = manifest.startVersion;
  const body: Omit<RestorePlan, 'hash'> = {
    version: 1,
    backup: {
      clusterId: manifest.clusterId, startVersion: start, endVersion: manifest.endVersion,
      incremental: !(start === manifest.endVersion || start === '0' || start === ''),
      newCollationsEnabled: manifest.newCollationsEnabled,
    },
    databases,
    tables,
    ranges,
    batches,
    ddlJobs: sel.ddlJobs,
    ...(views.length > 0 ? { views } : {}),
    ...(sequences.length > 0 ? { sequences } : {}),
    ...(skip.size > 0 ? { skip: [...(opts.skip ?? [])] } : {}),
    ...(placementPolicies.length > 0 ? { placementPolicies } : {}),
    ...(fromTarget.size > 0 ? { targetPolicies: [...fromTarget.values()].sort((a, b) => cmp(a.name.toLowerCase(), b.name.toLowerCase())) } : {}),
    summary: {
      databases: databases.length, tables: tables.length, files, bytes: bytes.toString(), sstBytes: sstBytes.toString(), kvs: kvs.toString(),
      ranges: ranges.length, batches: batches.length, ddlJobs: sel.ddlJobs.length,
      unsupportedTables: tables.filter((t) => t.layout && !t.layout.reproducible).length,
      ...(skipped ? { skipped } : {}),
      ...(refused > 0 ? { unsupportedObjects: refused } : {}),
      ...(views.length > 0 ? { views: views.length } : {}),
      ...(sequences.length > 0 ? { sequences: sequences.length } : {}),
    },
  };
  return { ...body, hash: contentHash(body) };
}

/**
 * Throws one UnsupportedTable error naming every table the plan cannot recreate, and why; then one
 * UnsupportedObject error naming every table and object its DDL would leave out while the input does not skip
 * that kind. Either way before anything in the cluster changes.
 */
export function assertPlanRestorable(plan: RestorePlan): void {
  const bad = plan.tables.flatMap((t) => (t.layout && !t.layout.reproducible ? [`\`${t.db}\`.\`${t.name}\`: ${t.layout.reason}`] : []));
  if (bad.length > 0) {
    throw new BrflowError(
      ErrorType.UnsupportedTable,
      `cannot restore ${bad.length} table(s) with their column IDs intact: ${bad.join('; ')}. Exclude them with --filter '!db.table', or create them yourself and restore with noSchema`,
    );
  }
  const objects = unsupportedObjects(plan);
  if (objects.length === 0) return;
  const kinds = [...new Set(objects.flatMap((o) => o.objects.map((x) => x.kind)))];
  throw new BrflowError(
    ErrorType.UnsupportedObject,
    `brflow cannot recreate ${objects.reduce((n, o) => n + o.objects.length, 0)} schema object(s) of ${objects.length} table(s) or database(s): ` +
      objects.map((o) => `${o.table === '' ? `database \`${o.db}\`` : `\`${o.db}\`.\`${o.table}\``}: ${o.objects.map((x) => x.name + (x.refusal !== undefined ? ` (${x.refusal})` : '')).join(', ')}`).join('; ') +
      `. Restore the tables without them with "skip": ${JSON.stringify(kinds)} in the restore input, or exclude the tables with a filter`,
  );
}

/** Per table, the objects brflow cannot recreate whose kind the plan does not skip. */
export function unsupportedObjects(plan: RestorePlan): { db: string; table: string; objects: SchemaObject[] }[] {
  const skip = new Set(plan.skip ?? []);
  const refused = (objects: readonly SchemaObject[] | undefined) => (objects ?? []).filter((o) => isRefused(o, skip));
  return [
    ...plan.databases.flatMap((d) => {
      const objects = refused(d.objects);
      return objects.length > 0 ? [{ db: d.name, table: '', objects }] : [];
    }),
    ...plan.tables.flatMap((t) => {
      const objects = refused(t.objects);
      return objects.length > 0 ? [{ db: t.db, table: t.name, objects }] : [];
    }),
  ];
}

/** Whether the plan's hash still matches its content (a stored plan was not altered). */
export function verifyPlanHash(plan: RestorePlan): boolean {
  const { hash, ...body } = plan;
  return contentHash(body) === hash;
}

/**
 * What one batch needs once its table exists: its ranges in the new key space and the raw split keys
 * (rule prefixes + range ends, BR getSplitKeys candidates). Pure, so an activity can call it per batchRef.
 */
export function rewriteBatch(plan: RestorePlan, batchRef: number, rewrites: TableRewrite | ReadonlyMap<number, TableRewrite>): { ranges: RewrittenRange[]; splitKeys: string[] } {
  const batch = plan.batches[batchRef];
  if (!batch) throw new BrflowError(ErrorType.Internal, `batch ${batchRef} does not exist; the plan has ${plan.batches.length}`);
  const out: RewrittenRange[] = [];
  const prefixes: string[] = [];
  for (const ti of batchTables(batch)) {
    const table = plan.tables[ti]!;
    const rw = 'oldTableId' in rewrites ? rewrites : rewrites.get(ti);
    if (!rw || rw.oldTableId !== table.oldId) {
      throw new BrflowError(ErrorType.Internal, `batch ${batchRef} holds table ID ${table.oldId}, but ${rw ? `the rewrite given is for table ID ${rw.oldTableId}` : 'no rewrite was given for it'}`);
    }
    const start = Math.max(batch.rangeStart, table.rangeStart);
    const end = Math.min(batch.rangeEnd, table.rangeEnd);
    if (end <= start) continue;
    out.push(...rewriteRanges(plan.ranges.slice(start, end), rw));
    prefixes.push(...rw.rules.map((r) => r.newKeyPrefix));
  }
  return { ranges: out, splitKeys: splitCandidates(prefixes, out.map((r) => r.newEndKey)) };
}
