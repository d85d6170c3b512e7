import type { Command } from 'commander';
import { openStorage } from '../../backup/open-storage';
import { readManifest } from '../../backup/read-manifest';
import { planRestore, unsupportedObjects, type RestorePlan } from '../../plan/restore-plan';
import { isRefused, validateSkip, type SchemaObject, type SchemaObjectKind } from '../../plan/schema-objects';
import { BrflowError, ErrorType } from '../../plan/error-types';
import { cipherFromFlags, withCrypterFlags, type CrypterFlags } from '../crypter-flags';

export interface PlanCommandOptions extends CrypterFlags {
  filter?: string[];
  db?: string;
  table?: string;
  caseSensitive?: boolean;
  json?: boolean;
  /** Print each table's DDL (always in --json). */
  statements?: boolean;
  /** Object kinds to plan without, as a restore input's `skip` (comma-separated). */
  skip?: string;
}

/** One row per table: what `brflow plan` shows and what `--json` prints. */
export interface PlanTableRow {
  db: string;
  table: string;
  files: number;
  bytes: string;
  kvs: string;
  ranges: number;
  batches: number;
  /** Absent when the table can be recreated with its column IDs. */
  unsupported?: string;
  /** The statements that create it, in order (absent with noSchema or when unsupported). */
  statements?: string[];
  /** Objects its DDL does not recreate and the restore refuses (their kind is not skipped). */
  refused?: string[];
  /** Objects it is restored without because their kind is skipped. */
  skipped?: string[];
}

export function planRows(plan: RestorePlan): PlanTableRow[] {
  return plan.tables.map((t) => ({
    db: t.db,
    table: t.name,
    files: t.files,
    bytes: t.bytes,
    kvs: t.kvs,
    ranges: t.rangeEnd - t.rangeStart,
    batches: t.batchEnd - t.batchStart,
    ...(t.layout && !t.layout.reproducible ? { unsupported: t.layout.reason } : {}),
    ...(t.layout && t.layout.reproducible ? { statements: [...t.layout.statements, ...(t.constraints?.statements ?? []), ...(t.placement?.statements ?? [])] } : {}),
    ...objectsOf(plan, t.objects ?? []),
  }));
}

function objectsOf(plan: RestorePlan, objects: readonly SchemaObject[]): { refused?: string[]; skipped?: string[] } {
  const skip = new Set(plan.skip ?? []);
  const refused = objects.filter((o) => isRefused(o, skip)).map((o) => o.name + (o.refusal !== undefined ? ` (${o.refusal})` : ''));
  const skipped = objects.filter((o) => skip.has(o.kind)).map((o) => o.name);
  return { ...(refused.length > 0 ? { refused } : {}), ...(skipped.length > 0 ? { skipped } : {}) };
}

/** The JSON `brflow plan --json` prints: the summary and per-table rows, not the (possibly huge) file lists. */
export function planJson(plan: RestorePlan): object {
  const dbObjects = plan.databases.filter((d) => d.objects).map((d) => ({ db: d.name, ...objectsOf(plan, d.objects ?? []) }));
  return {
    hash: plan.hash, backup: plan.backup, summary: plan.summary, tables: planRows(plan), ...(dbObjects.length > 0 ? { databaseObjects: dbObjects } : {}),
    ...(plan.sequences ? { sequences: plan.sequences.map((q) => ({ db: q.db, sequence: q.name, statements: [q.createSql, ...q.valueStatements] })) } : {}),
    ...(plan.views ? { views: plan.views.map((v) => ({ db: v.db, view: v.name, statements: [v.createSql], ...(v.readsOutside ? { readsFromTarget: v.readsOutside.map((r) => `${r.db}.${r.name}`) } : {}) })) } : {}),
    ...(plan.targetPolicies ? { policiesFromTarget: plan.targetPolicies } : {}),
  };
}

function humanBytes(decimal: string): string {
  const n = Number(decimal);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** A fixed-width table for terminals. */
export function renderPlanTable(plan: RestorePlan, opts: { statements?: boolean } = {}): string {
  const header = ['DATABASE', 'TABLE', 'FILES', 'SIZE', 'KVS', 'RANGES', 'BATCHES'];
  const rows = planRows(plan).map((r) => [r.db, r.table + (r.unsupported || r.refused ? ' (!)' : ''), String(r.files), humanBytes(r.bytes), r.kvs, String(r.ranges), String(r.batches)]);
  const s = plan.summary;
  rows.push(['TOTAL', `${s.tables} tables`, String(s.files), humanBytes(s.bytes), s.kvs, String(s.ranges), String(s.batches)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [
    `backup: cluster ${plan.backup.clusterId}, ${plan.backup.incremental ? `incremental ${plan.backup.startVersion}..` : 'full at '}${plan.backup.endVersion}`,
    `plan ${plan.hash}: ${s.databases} databases, ${s.tables} tables, ${s.files} files, ${humanBytes(s.bytes)} (${humanBytes(s.sstBytes)} of SST), ${s.kvs} kvs, ${s.ranges} ranges, ${s.batches} batches${s.ddlJobs ? `, ${s.ddlJobs} DDL jobs` : ''}${s.sequences ? `, ${s.sequences} sequences` : ''}${s.views ? `, ${s.views} views` : ''}`,
    '',
    line(header),
    ...rows.map(line),
  ];
  const bad = planRows(plan).filter((r) => r.unsupported);
  if (bad.length > 0) {
    out.push('', `(!) ${bad.length} table(s) cannot be recreated with their column IDs; a restore refuses them unless filtered out:`);
    for (const r of bad) out.push(`  \`${r.db}\`.\`${r.table}\`: ${r.unsupported}`);
  }
  const refused = unsupportedObjects(plan);
  if (refused.length > 0) {
    out.push('', `(!) ${refused.length} table(s) or database(s) have objects brflow cannot recreate; a restore fails unless the input skips their kind ("skip": [...]) or filters the tables out:`);
    for (const r of refused) out.push(`  ${r.table === '' ? `database \`${r.db}\`` : `\`${r.db}\`.\`${r.table}\``}: ${r.objects.map((o) => o.name).join(', ')}`);
  }
  // What the restore reads from the target rather than the backup: the pre-check refuses it when missing.
  const fromTarget = [
    ...(plan.targetPolicies ?? []).map((p) => `placement policy \`${p.name}\` (used by ${p.usedBy.join(', ')}${p.users > p.usedBy.length ? `, and ${p.users - p.usedBy.length} more` : ''})`),
    ...(plan.views ?? []).flatMap((v) => (v.readsOutside ?? []).map((r) => `\`${r.db}\`.\`${r.name}\` (read by view \`${v.db}\`.\`${v.name}\`)`)),
  ];
  if (fromTarget.length > 0) {
    out.push('', 'must exist on the target (not in what the restore creates; checked before anything changes):');
    for (const f of fromTarget) out.push(`  ${f}`);
  }
  const skipped = planRows(plan).filter((r) => r.skipped);
  if (skipped.length > 0) {
    out.push('', `restored without (skip ${(plan.skip ?? []).join(', ')}):`);
    for (const r of skipped) out.push(`  \`${r.db}\`.\`${r.table}\`: ${r.skipped!.join(', ')}`);
  }
  if (opts.statements) {
    // Before any database or table: what the restore runs first (placement policies, databases' default policies).
    if (plan.placementPolicies) out.push('', '-- placement policies', ...plan.placementPolicies.map((p) => `${p.createSql};`));
    for (const d of plan.databases) if (d.placementSql !== undefined) out.push('', `-- database \`${d.name}\``, `${d.createSql};`, `${d.placementSql};`);
    // In the order the restore runs them: sequences with the databases, then tables, then views (each after what it reads).
    for (const q of plan.sequences ?? []) out.push('', `-- sequence \`${q.db}\`.\`${q.name}\``, ...[q.createSql, ...q.valueStatements].map((st) => `${st};`));
    for (const r of planRows(plan)) {
      if (!r.statements) continue;
      out.push('', `-- \`${r.db}\`.\`${r.table}\``, ...r.statements.map((st) => `${st};`));
    }
    for (const v of plan.views ?? []) out.push('', `-- view \`${v.db}\`.\`${v.name}\``, `${v.createSql};`);
  }
  return out.join('\n') + '\n';
}

/** Reads the backup's metadata and prints its restore plan; nothing is changed anywhere. */
export async function runPlanCommand(storageUrl: string, opts: PlanCommandOptions, write: (s: string) => void): Promise<RestorePlan> {
  let skip: SchemaObjectKind[] = [];
  if (opts.skip !== undefined) {
    const v = validateSkip(opts.skip.split(',').map((k) => k.trim()).filter((k) => k !== ''), '--skip');
    if ('problems' in v) throw new BrflowError(ErrorType.InvalidInput, v.problems.join('; '));
    skip = v.value;
  }
  const cipher = await cipherFromFlags(opts);
  const manifest = await readManifest(openStorage(storageUrl), cipher ? { cipher } : {});
  const plan = planRestore(manifest, {
    filters: opts.filter ?? [],
    ...(opts.db !== undefined ? { db: opts.db } : {}),
    ...(opts.table !== undefined ? { table: opts.table } : {}),
    caseSensitive: opts.caseSensitive ?? false,
    ...(skip.length > 0 ? { skip } : {}),
    // As the restore plans: every placement policy of the backup (unless --db/--table narrows it, as BR's restore db/table).
    allPolicies: true,
  });
  write(opts.json ? `${JSON.stringify(planJson(plan), null, 2)}\n` : renderPlanTable(plan, { statements: opts.statements ?? false }));
  return plan;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export function register(program: Command): void {
  const cmd = program
    .command('plan')
    .description('show what a restore of STORAGE would do: tables, files, bytes, kvs, ranges, batches (reads metadata only)')
    .argument('<storage>', 'backup location: path, local:///abs/path or s3://bucket/prefix?endpoint=…')
    .option('-f, --filter <rule>', 'table filter rule (repeatable), e.g. -f "db.*" -f "!db.tmp_*"', collect)
    .option('--db <name>', 'restore only this database (like `br restore db --db`)')
    .option('--table <name>', 'restore only this table of --db (like `br restore table`)')
    .option('--case-sensitive', 'match filter names case-sensitively', false)
    .option('--statements', 'also print the DDL each table is created with', false)
    .option('--skip <kinds>', 'plan without these object kinds, as a restore input\'s "skip": foreignKeys,checkConstraints,ttl,placement')
    .option('--json', 'print JSON instead of a table (with each table\'s statements)', false);
  withCrypterFlags(cmd, { keyOnCommandLine: true })
    .action(async (storage: string, opts: PlanCommandOptions) => {
      await runPlanCommand(storage, opts, (s) => process.stdout.write(s));
    });
}
