import { parsePdEndpoints } from '../cluster/pd-address';
import { tidbConfigFromEnv, type TidbConnectionConfig } from '../cluster/tidb-config';
import { readTlsSetting, type TlsOptions } from '../cluster/tls';
import { CRYPTER_METHODS, parseCrypterMethod, type CrypterRef } from '../plan/crypter-method';
import { BrflowError, ErrorType } from '../plan/error-types';
import { temporalTarget, type TemporalTarget } from './temporal-connect';

/** Everything a worker process needs, from its environment (secrets included: they never leave the process). */
export interface WorkerConfig {
  temporalAddress: string;
  namespace: string;
  /** TLS, API key and gRPC metadata for the Temporal connection (profile file + TEMPORAL_* environment). */
  temporalConnection?: Omit<TemporalTarget['connection'], 'address'>;
  /** Workflows and data activities poll this; keeper and compensation poll `<taskQueue>-control`. */
  taskQueue: string;
  /** The worker's own cluster; empty = none (restores must name theirs in the input). */
  pdEndpoints: string[];
  /**
   * TLS towards PD and TiKV (BR's --ca/--cert/--key), as PEM contents read at start; also the default for a
   * cluster a restore input names without its own `cluster.tls`. Absent = plain text.
   */
  clusterTls?: TlsOptions;
  tidb: TidbConnectionConfig;
  /** host:port for Prometheus `/metrics`; undefined = off. */
  metricsAddress?: string;
  logLevel: string;
  /** Activity slots on the data task queue (ingest batches running at once on this worker). */
  maxConcurrentActivities: number;
  /** How long in-flight activities get to checkpoint on SIGTERM before they are cancelled. */
  shutdownGraceMs: number;
  /** A prebuilt workflow bundle (bundleWorkflowCode output); built at start when absent. */
  workflowBundlePath?: string;
  /** Register missing search attributes at start (else refuse to start, naming the commands). @default true */
  createSearchAttributes?: boolean;
  /** Default key of encrypted backups for restores whose input names none (the file is read when used). */
  crypter?: CrypterRef;
  /** How often the janitor Schedule runs (terminated restores cleaned up); 0 = no Schedule. @default 180000 */
  janitorEveryMs?: number;
  /**
   * A cluster named by a restore input whose connections no activity has used for this long is disconnected
   * (the next activity naming it connects again); the worker's own cluster never is. 0 = never.
   * @default CLUSTER_IDLE_CLOSE_DEFAULT_MS
   */
  clusterIdleCloseMs?: number;
}

/**
 * 10 minutes: far longer than the gaps between the activities of a running restore (its keeper ticks every
 * `timings.keeperIntervalMs`, 100 s by default), so in practice only clusters no restore uses any more are
 * disconnected. A set closed between two activities of a restore is still harmless: what a restore leaves on a
 * cluster (safepoint, paused schedulers, import mode) lives on the servers, and the next activity reconnects.
 */
export const CLUSTER_IDLE_CLOSE_DEFAULT_MS = 600_000;

/** The variables, for `brflow worker --help` and the docs. */
export const WORKER_ENV = {
  temporalAddress: 'TEMPORAL_ADDRESS',
  namespace: 'TEMPORAL_NAMESPACE',
  taskQueue: 'BRFLOW_TASK_QUEUE',
  pd: 'BRFLOW_PD_ADDRESSES',
  /** PEM paths for PD and TiKV; CA alone = server-verified TLS, with cert+key = mutual TLS. */
  clusterCa: 'BRFLOW_CLUSTER_CA',
  clusterCert: 'BRFLOW_CLUSTER_CERT',
  clusterKey: 'BRFLOW_CLUSTER_KEY',
  metrics: 'BRFLOW_METRICS_ADDRESS',
  logLevel: 'BRFLOW_LOG_LEVEL',
  maxActivities: 'BRFLOW_MAX_CONCURRENT_ACTIVITIES',
  shutdownGrace: 'BRFLOW_SHUTDOWN_GRACE_MS',
  bundle: 'BRFLOW_WORKFLOW_BUNDLE',
  createSearchAttributes: 'BRFLOW_CREATE_SEARCH_ATTRIBUTES',
  crypterMethod: 'BRFLOW_CRYPTER_METHOD',
  crypterKeyFile: 'BRFLOW_CRYPTER_KEY_FILE',
  janitorEvery: 'BRFLOW_JANITOR_EVERY_MS',
  clusterIdleClose: 'BRFLOW_CLUSTER_IDLE_CLOSE_MS',
} as const;

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'];

/** Reads and checks the environment; every problem is reported at once, each naming the variable and the fix. */
export function workerConfigFromEnv(env: Record<string, string | undefined>): WorkerConfig {
  const problems: string[] = [];
  const int = (name: string, dflt: number, min: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return dflt;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) {
      problems.push(`${name}: "${raw}" is not an integer ≥ ${min}`);
      return dflt;
    }
    return n;
  };
  // Unset: the worker has no cluster of its own and serves only restores whose input names one.
  const pdRaw = env[WORKER_ENV.pd];
  let pdEndpoints: string[] = [];
  if (pdRaw !== undefined) {
    pdEndpoints = parsePdEndpoints(pdRaw);
    if (pdEndpoints.length === 0) problems.push(`${WORKER_ENV.pd}: empty; set the PD addresses, e.g. ${WORKER_ENV.pd}=10.0.0.1:2379,10.0.0.2:2379, or unset it for a worker that serves only restores naming their cluster`);
  }
  const clusterTls = readTlsSetting(
    { ca: env[WORKER_ENV.clusterCa], cert: env[WORKER_ENV.clusterCert], key: env[WORKER_ENV.clusterKey] },
    { ca: WORKER_ENV.clusterCa, cert: WORKER_ENV.clusterCert, key: WORKER_ENV.clusterKey },
    problems,
  );
  let tidb: TidbConnectionConfig | undefined;
  try {
    tidb = tidbConfigFromEnv(env, clusterTls ? { clusterTls } : {});
  } catch (e) {
    problems.push((e as Error).message);
  }
  const logLevel = (env[WORKER_ENV.logLevel] ?? 'info').toLowerCase();
  if (!LEVELS.includes(logLevel)) problems.push(`${WORKER_ENV.logLevel}: "${logLevel}" is not one of ${LEVELS.join(', ')}`);
  // Off unless asked for: a fixed default port would kill a second worker on the same host at start.
  const metrics = env[WORKER_ENV.metrics] ?? '';
  if (metrics !== '' && !/^[^:\s]+:\d{1,5}$/.test(metrics)) problems.push(`${WORKER_ENV.metrics}: "${metrics}" is not host:port (empty turns metrics off)`);
  const taskQueue = env[WORKER_ENV.taskQueue] ?? 'brflow';
  if (taskQueue.trim() === '') problems.push(`${WORKER_ENV.taskQueue}: empty; name the task queue restores are started on`);
  const createSa = (env[WORKER_ENV.createSearchAttributes] ?? 'true').toLowerCase();
  if (!['true', 'false'].includes(createSa)) problems.push(`${WORKER_ENV.createSearchAttributes}: "${createSa}" is not true or false`);
  let temporal: TemporalTarget | undefined;
  try {
    temporal = temporalTarget(env);
  } catch (e) {
    problems.push((e as Error).message);
  }
  const { address: temporalAddress = '127.0.0.1:7233', ...temporalConnection } = temporal?.connection ?? {};
  // Both or neither; the key stays in its file (read when a restore needs it), never in the environment.
  let crypter: CrypterRef | undefined;
  const cm = env[WORKER_ENV.crypterMethod] ?? '';
  const ckf = env[WORKER_ENV.crypterKeyFile] ?? '';
  if (cm !== '' || ckf !== '') {
    const method = parseCrypterMethod(cm);
    if (!method) problems.push(`${WORKER_ENV.crypterMethod}: "${cm}" is not one of ${CRYPTER_METHODS.join(', ')}; set it with ${WORKER_ENV.crypterKeyFile}, or unset both`);
    if (!ckf.startsWith('/')) problems.push(`${WORKER_ENV.crypterKeyFile}: expected the absolute path of a file holding the backup key as hex text (set with ${WORKER_ENV.crypterMethod})`);
    if (method && ckf.startsWith('/')) crypter = { method, keyFile: ckf };
  }
  const config = {
    temporalAddress,
    namespace: temporal?.namespace ?? 'default',
    ...(Object.keys(temporalConnection).length > 0 ? { temporalConnection } : {}),
    taskQueue,
    pdEndpoints,
    ...(clusterTls ? { clusterTls } : {}),
    logLevel,
    ...(metrics !== '' ? { metricsAddress: metrics } : {}),
    maxConcurrentActivities: int(WORKER_ENV.maxActivities, 16, 1),
    shutdownGraceMs: int(WORKER_ENV.shutdownGrace, 30_000, 0),
    ...(env[WORKER_ENV.bundle] ? { workflowBundlePath: env[WORKER_ENV.bundle] } : {}),
    createSearchAttributes: createSa !== 'false',
    ...(crypter ? { crypter } : {}),
    janitorEveryMs: int(WORKER_ENV.janitorEvery, 180_000, 0),
    clusterIdleCloseMs: int(WORKER_ENV.clusterIdleClose, CLUSTER_IDLE_CLOSE_DEFAULT_MS, 0),
  };
  if (problems.length > 0 || !tidb) throw new BrflowError(ErrorType.InvalidInput, `worker configuration: ${problems.join('; ')}`);
  return { ...config, tidb };
}
