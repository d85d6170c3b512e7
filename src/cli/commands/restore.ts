import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CancelledFailure, Client, Connection, WorkflowExecutionAlreadyStartedError, WorkflowFailedError, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { Command } from 'commander';
import { storageUrlForDisplay } from '../../backup/storage-url';
import { BrflowError, ErrorType } from '../../plan/error-types';
import { normalizeRestoreRequest } from '../../workflows/normalize-request';
import { SCHEMA_OBJECT_KINDS } from '../../plan/schema-objects';
import { DEFAULT_TEMPORAL_ADDRESS, temporalTarget, temporalUnreachable, type TemporalFlags as TemporalConnectFlags } from '../../worker/temporal-connect';
import { crypterRefFromFlags, withCrypterFlags, type CrypterFlags } from '../crypter-flags';
import { innermostFailure, resumeAfter } from './restore-outcome';
import { renderRetrying, retryingSteps } from './retrying-steps';
import type { restoreWorkflow, RestoreResult } from '../../workflows/restore';
import type { RestoreProgress } from '../../workflows/types';

/**
 * Connection flags every workflow command shares. Unset, they come from the Temporal environment and profile
 * file as the `temporal` CLI reads them (src/worker/temporal-connect.ts), TLS and API key included.
 */
export function withTemporalOptions(cmd: Command): Command {
  return cmd
    .option('--address <host:port>', `Temporal frontend (default: TEMPORAL_ADDRESS, the profile's, or ${DEFAULT_TEMPORAL_ADDRESS})`)
    .option('--namespace <ns>', 'Temporal namespace (default: TEMPORAL_NAMESPACE, the profile\'s, or default)')
    .option('--profile <name>', 'profile of the Temporal config file (TEMPORAL_CONFIG_FILE or ~/.config/temporalio/temporal.toml)');
}

export type TemporalFlags = TemporalConnectFlags;

/** A client with a connect deadline; the error names the address and what to check. */
export async function connectClient(flags: TemporalFlags): Promise<{ client: Client; namespace: string; close: () => Promise<void> }> {
  const target = temporalTarget(process.env, flags);
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...target.connection, connectTimeout: 10_000 });
  } catch (e) {
    throw temporalUnreachable(target, e, 'start it (npm run demo, or temporal server start-dev), or pass --address / set TEMPORAL_ADDRESS and its TLS settings');
  }
  return { client: new Client({ connection, namespace: target.namespace }), namespace: target.namespace, close: () => connection.close() };
}

export function restoreHandle(client: Client, id: string): WorkflowHandle<typeof restoreWorkflow> {
  return client.workflow.getHandle<typeof restoreWorkflow>(id);
}

const MiB = 1024 * 1024;

function human(bytes: number): string {
  if (bytes >= 1024 * MiB) return `${(bytes / 1024 / MiB).toFixed(1)} GiB`;
  if (bytes >= MiB) return `${(bytes / MiB).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** One line: phase, a bar of bytes ingested, tables, files, rate and ETA. */
export function renderProgress(p: RestoreProgress, width = 30): string {
  const frac = p.bytes.total > 0 ? Math.min(1, p.bytes.ingested / p.bytes.total) : p.phase === 'done' ? 1 : 0;
  const filled = Math.round(frac * width);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
  const eta = p.etaSeconds !== undefined ? ` eta ${Math.ceil(p.etaSeconds)}s` : '';
  const rate = p.rateBytesPerSec > 0 ? ` ${human(p.rateBytesPerSec)}/s` : '';
  const check = p.checksum.enabled ? ` checksum ${p.checksum.passed}ok${p.checksum.failed ? `/${p.checksum.failed}bad` : ''}` : '';
  return `${p.phase.padEnd(13)} ${bar} ${(frac * 100).toFixed(0).padStart(3)}%  tables ${p.tables.created}/${p.tables.total}  files ${p.files.ingested}/${p.files.total}  ${human(p.bytes.ingested)}/${human(p.bytes.total)}${rate}${eta}${check}${p.paused ? '  (paused)' : ''}${p.waitingFor ? `  (waiting for the cluster: ${p.waitingFor} restores it)` : ''}`;
}

/** The failure chain of a workflow as one line: the innermost message is what the operator can act on. */
export function describeFailure(e: unknown): string {
  return formatFailure(innermostFailure(e));
}

function formatFailure(f: { type?: string; message: string }): string {
  return f.type ? `${f.message} [${f.type}]` : f.message;
}

/** How often a followed restore is asked for steps being retried (a describe call, heavier than the query). */
const RETRY_CHECK_MS = 3000;

/**
 * Follows a restore until it closes, redrawing the progress line (TTY) or printing it every few seconds
 * (logs), and tells each retry of a failing step with its error. Returns the result or throws a one-line BrflowError with the workflow's failure.
 */
export async function followRestore(handle: WorkflowHandle<typeof restoreWorkflow>, out: NodeJS.WriteStream = process.stderr, intervalMs = 1000): Promise<RestoreResult> {
  let settled = false;
  const result = handle.result().finally(() => {
    settled = true;
  });
  result.catch(() => undefined);
  let lastPrinted = 0;
  let lastRetryCheck = 0;
  // Each failed attempt of a step is told once (step#attempt): the progress line alone would stand still.
  const retriesTold = new Set<string>();
  while (!settled) {
    try {
      const p = await handle.query<RestoreProgress>('progress');
      const line = renderProgress(p);
      if (out.isTTY) out.write(`\r${line}\x1b[K`);
      else if (Date.now() - lastPrinted > 5000) {
        out.write(`${line}\n`);
        lastPrinted = Date.now();
      }
    } catch {
      // The first workflow task may not have run yet; keep polling.
    }
    if (Date.now() - lastRetryCheck >= RETRY_CHECK_MS) {
      lastRetryCheck = Date.now();
      const steps = await handle.describe().then(retryingSteps, () => []);
      for (const r of steps) {
        const key = `${r.activity}#${r.attempt}`;
        if (retriesTold.has(key)) continue;
        retriesTold.add(key);
        out.write(`${out.isTTY ? '\r\x1b[K' : ''}${renderRetrying(r, Date.now())}\n`);
      }
    }
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, intervalMs))]);
  }
  try {
    const p = await handle.query<RestoreProgress>('progress');
    out.write(`${out.isTTY ? '\r' : ''}${renderProgress(p)}${out.isTTY ? '\x1b[K' : ''}\n`);
  } catch {
    // A closed run is still queryable; if not, the result below says enough.
  }
  try {
    return await result;
  } catch (e) {
    const f = innermostFailure(e);
    // A restore stopped by the cluster, storage or a cancel goes on from where it stopped; a new one would be refused.
    const resume = resumeAfter(handle.workflowId, { cancelled: e instanceof WorkflowFailedError && e.cause instanceof CancelledFailure, ...(f.type ? { failureType: f.type } : {}) });
    throw new BrflowError(ErrorType.ClusterRejected, `restore ${handle.workflowId} failed: ${formatFailure(f)}${resume ? `; continue it: ${resume}` : ''}`);
  }
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new BrflowError(ErrorType.InvalidInput, `${name}: "${v}" is not a whole number`);
    return n;
  };
}

export interface RestoreFlags extends TemporalFlags, CrypterFlags {
  storage?: string;
  filter: string[];
  input?: string;
  pd?: string;
  tidb?: string;
  tidbStatus?: string;
  tidbUser?: string;
  tidbPasswordFile?: string;
  /** Kinds of schema object to restore tables without (the input's `skip`). */
  skip?: string[];
  /** BR --with-tidb-placement-mode: strict | ignore (the input's `placementMode`). */
  withTidbPlacementMode?: string;
  /** BR --ca/--cert/--key: PEM paths on the worker hosts for the cluster --pd names. */
  ca?: string;
  cert?: string;
  key?: string;
  concurrency?: number;
  rangesInFlight?: number;
  ratelimit?: number;
  online?: boolean;
  checksum: boolean;
  taskQueue: string;
  workflowId?: string;
  detach?: boolean;
  resume?: string;
}

/** The workflow input from flags (and an optional JSON file the flags override). Secrets never go in here. */
export function restoreInputFromFlags(f: RestoreFlags): Record<string, unknown> {
  const input: Record<string, unknown> = f.input ? readInputFile(f.input) : {};
  if (f.storage) input.storage = f.storage;
  if (f.filter.length > 0) input.filters = f.filter;
  if (f.skip && f.skip.length > 0) input.skip = f.skip;
  if (f.withTidbPlacementMode !== undefined) input.placementMode = f.withTidbPlacementMode;
  if (f.pd !== undefined || f.tidb !== undefined) {
    // BR --pd syntax: comma-separated; the workflow validates the addresses and reports every problem.
    const cluster: Record<string, unknown> = { ...(input.cluster as Record<string, unknown> | undefined) };
    if (f.pd !== undefined) cluster.pd = f.pd.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (f.tidb !== undefined) cluster.tidb = f.tidb;
    if (f.tidbStatus !== undefined) cluster.tidbStatus = f.tidbStatus;
    if (f.tidbUser !== undefined) cluster.tidbUser = f.tidbUser;
    if (f.tidbPasswordFile !== undefined) cluster.tidbPasswordFile = f.tidbPasswordFile;
    if (f.ca !== undefined || f.cert !== undefined || f.key !== undefined) {
      cluster.tls = { ...(f.ca !== undefined ? { ca: f.ca } : {}), ...(f.cert !== undefined ? { cert: f.cert } : {}), ...(f.key !== undefined ? { key: f.key } : {}) };
    }
    input.cluster = cluster;
  } else if (f.ca !== undefined || f.cert !== undefined || f.key !== undefined) {
    // Certificates without a named cluster would be silently unused: the worker's own cluster takes BRFLOW_CLUSTER_*.
    throw new BrflowError(ErrorType.InvalidInput, '--ca/--cert/--key go with --pd/--tidb (the cluster they name); the workers\' own cluster takes its certificates from BRFLOW_CLUSTER_CA/CERT/KEY');
  }
  const crypter = crypterRefFromFlags(f);
  if (crypter) input.crypter = crypter;
  if (f.concurrency !== undefined) input.concurrency = f.concurrency;
  if (f.rangesInFlight !== undefined) input.rangesInFlight = f.rangesInFlight;
  // BR --ratelimit is MiB/s per store.
  if (f.ratelimit !== undefined) input.rateLimitBytesPerSec = f.ratelimit * MiB;
  if (f.online) input.online = true;
  if (!f.checksum) input.checksum = false;
  return input;
}

function readInputFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new BrflowError(ErrorType.InvalidInput, `--input ${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    // The parser's message names the position, never the content (which may hold what the check below refuses).
    throw new BrflowError(ErrorType.InvalidInput, `--input ${path}: not JSON (${(e as Error).message.replace(/"[^"]*"/g, '…')}); give one JSON object like {"storage":"s3://bucket/prefix"}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new BrflowError(ErrorType.InvalidInput, `--input ${path}: expected one JSON object like {"storage":"s3://bucket/prefix"}`);
  return parsed as Record<string, unknown>;
}

/**
 * The input as the workflow will see it, checked here with the workflow's own validator before anything
 * reaches Temporal: a refused input (a credential in the storage URL, a password field) must never be
 * stored in a history. A folder path becomes local:// with its absolute path, as plan and verify-backup
 * take it.
 */
export function checkedRestoreInput(input: Record<string, unknown>, cwd = process.cwd()): Record<string, unknown> {
  if (typeof input.storage !== 'string') throw new BrflowError(ErrorType.InvalidInput, 'storage: missing; pass --storage <url> or an --input file with "storage"');
  const storage = /^[a-z][a-z0-9+.-]*:\/\//i.test(input.storage) ? input.storage : `local://${resolve(cwd, input.storage)}`;
  const checked = { ...input, storage };
  const r = normalizeRestoreRequest(checked);
  if ('problems' in r) throw new BrflowError(ErrorType.InvalidInput, `the restore input has ${r.problems.length} problem(s), nothing was started: ${r.problems.join('; ')}`);
  return checked;
}

/** The input the restore `workflowId` was started with (its latest run's first argument), without its own resumeFrom. */
async function earlierInput(client: Client, workflowId: string): Promise<Record<string, unknown>> {
  let events;
  try {
    events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) throw new BrflowError(ErrorType.InvalidInput, `--resume ${workflowId}: no such restore in this namespace (brflow list shows them)`);
    throw e;
  }
  const p = events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
  const input = p ? defaultPayloadConverter.fromPayload(p as Parameters<typeof defaultPayloadConverter.fromPayload>[0]) : undefined;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new BrflowError(ErrorType.InvalidInput, `--resume ${workflowId}: its history holds no restore input`);
  const { resumeFrom: _ignored, ...rest } = input as Record<string, unknown>;
  return rest;
}

/** `brflow restore`: starts a restore workflow and follows it with a progress bar (or returns with --detach). */
export function register(program: Command): void {
  const cmd = withTemporalOptions(
    program
      .command('restore')
      .description('restore a BR backup (a durable Temporal workflow) into the workers\' own cluster or the one --pd/--tidb name')
      .option('-s, --storage <url>', 'backup location: a folder path, local:///path or s3://bucket/prefix?endpoint=…')
      .option('-f, --filter <rule>', 'table filter rule (repeatable), BR syntax', collect, [])
      .option('--input <file.json>', 'the full workflow input as JSON (flags override its fields)')
      .option('--pd <addrs>', 'target PD endpoints, comma-separated (default: the workers\' own cluster)')
      .option('--tidb <host:port>', 'target TiDB SQL address (with --pd)')
      .option('--tidb-status <host:port>', 'target TiDB status address (default <tidb host>:10080)')
      .option('--tidb-user <name>', 'TiDB user (default: the worker\'s BRFLOW_TIDB_USER)')
      .option('--tidb-password-file <path>', 'file on the worker hosts holding the TiDB password (never the password itself)')
      .option('--ca <path>', 'CA PEM file on the worker hosts for the --pd cluster\'s TLS (BR --ca)')
      .option('--cert <path>', 'client certificate PEM file on the worker hosts (mutual TLS, BR --cert)')
      .option('--key <path>', 'client key PEM file on the worker hosts (mutual TLS, BR --key)')
      .option('--concurrency <n>', 'ingest batches in flight', positiveInt('--concurrency'))
      .option('--ranges-in-flight <n>', 'ranges of one batch imported at once', positiveInt('--ranges-in-flight'))
      .option('--ratelimit <MiB/s>', 'download limit per TiKV store (0 = none)', positiveInt('--ratelimit'))
      .option('--skip <kind>', `restore the tables without this kind of schema object (repeatable: ${SCHEMA_OBJECT_KINDS.join(', ')}); what is skipped is reported`, collect, [])
      .option('--with-tidb-placement-mode <mode>', 'strict: recreate the backup\'s placement policies and references (default); ignore: restore without them, counted as skipped (BR\'s flag)')
      .option('--online', 'online restore: no import mode, no scheduler pause')
      .option('--no-checksum', 'skip the per-table checksum')
      .option('--task-queue <name>', 'task queue the workers poll', process.env.BRFLOW_TASK_QUEUE ?? 'brflow')
      .option('--workflow-id <id>', 'workflow ID (default restore-<time>)')
      .option('--resume <workflowId>', 'continue a failed, cancelled or terminated restore: its input (flags override it), its tables, done batches and passed checksums')
      .option('-d, --detach', 'start and print the workflow ID without following it'),
  );
  // Only the key file's path goes into the input: the workers read the key (no --crypter.key here).
  withCrypterFlags(cmd, { keyOnCommandLine: false }).action(async (f: RestoreFlags) => {
    // Checked before connecting: a refused input never needs Temporal (with --resume the input comes from it).
    const own = f.resume ? undefined : checkedRestoreInput(restoreInputFromFlags(f));
    const { client, close } = await connectClient(f);
    try {
      // --resume starts from the earlier restore's own input, so the plan (and its hash) comes out the same.
      const input = own ?? checkedRestoreInput({ ...(await earlierInput(client, f.resume!)), ...restoreInputFromFlags(f), resumeFrom: f.resume });
      const workflowId = f.workflowId ?? `restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      const handle = await client.workflow
        .start<typeof restoreWorkflow>('restoreWorkflow', { taskQueue: f.taskQueue, workflowId, args: [input], memo: { storage: storageUrlForDisplay(input.storage as string) } })
        .catch((e: unknown) => {
          if (e instanceof WorkflowExecutionAlreadyStartedError) {
            throw new BrflowError(ErrorType.InvalidInput, `a restore with workflow ID ${workflowId} is already running; follow it with \`brflow status ${workflowId}\`, stop it with \`brflow cancel ${workflowId}\`, or start this one under another --workflow-id`);
          }
          throw e;
        });
      process.stdout.write(`${workflowId}\n`);
      if (f.detach) return;
      const r = await followRestore(handle);
      process.stdout.write(
        `restored ${r.tables} tables (${r.databases} databases), ${r.files} files, ${human(r.bytes)}; checksum ${r.checksum.enabled ? `${r.checksum.passed} tables ok` : 'skipped'}; restore TS ${r.restoreTs}; ${r.runs} run(s)\n`,
      );
    } finally {
      await close();
    }
  });
}
