import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { handleKindOf } from '../../src/plan/clustered-index-check';
import { BrflowError, ErrorType } from '../../src/plan/error-types';
import type { ActivityDeps, StoreMode } from '../../src/activities/deps';
import type { Manifest } from '../../src/backup/manifest';
import { restoreScheduleValues, SCHEDULERS_TO_PAUSE, type PdSchedulingSnapshot } from '../../src/cluster/pd-config';
import { decodeTableId, fromHex } from '../../src/plan/keys';
import { findRuleByOldKey } from '../../src/plan/rewrite-rules';
import type { TableInfo } from '../../src/plan/table-info';
import type { PlanTable } from '../../src/plan/restore-plan';

/**
 * An in-memory cluster (PD + TiKV stores + TiDB schema) that keeps its whole state in one JSON file, so a
 * worker in a child process and the test observe and change the same cluster, and a SIGKILLed worker's
 * effects survive for the next one. It implements the activities' narrow deps with real behaviour (TTL
 * expiry, idempotent creates, checksums computed from what was really ingested), like BR's split_test
 * TestClient — not a mock of an SDK.
 *
 * TODO: switch these tests to src/simulator (real gRPC wire) once its server lands.
 */
export interface FakeFault {
  /** Operation name: importFile, createDatabase, createTable, splitAndScatter, switchMode, applySchedules, checksumTable, … */
  op: string;
  /** Only when the operation's subject (file name, table name) contains this. */
  match?: string;
  /** 'permanent' throws a non-retryable error; 'transient' a retryable one `times` times. */
  kind: 'permanent' | 'transient';
  times?: number;
}

export interface FakeClusterState {
  nowOffsetMs: number;
  stores: { id: string; mode: StoreMode }[];
  schedulers: Record<string, { pausedUntilMs: number }>;
  config: Record<string, number | string>;
  overrides: Record<string, { value: unknown; expiresAtMs: number }>;
  gcSafePoint: string;
  safepoints: Record<string, { safePoint: string; expiresAtMs: number }>;
  tso: number;
  resetTs?: string;
  speedLimit: number;
  databases: string[];
  /** Placement policies created (lower-case names); absent until one is. */
  placementPolicies?: string[];
  tables: Record<string, TableInfo>;
  nextId: number;
  ddlJobs: number;
  /** Per file name: how many times it was ingested, and into which new table. */
  ingests: Record<string, { count: number; newTableId: number; crc64xor: string; totalKvs: string; totalBytes: string }>;
  splitKeys: number;
  systemTablesRestored: string[];
  /** Views and sequences created, as `db.name` (lower case), in creation order. */
  schemaOnly?: string[];
  faults: FakeFault[];
  /** Delay each importFile by this many ms (to catch a batch mid-flight). */
  importDelayMs: number;
  manifest: Manifest;
  /** TiKV version every store reports. @default 8.5.0 */
  storeVersion?: string;
  /** Stores labelled engine=tiflash. @default 0 */
  tiflashStores?: number;
  /** Operations (applySchedules, switchMode:import, …) held this many ms before their effect lands. */
  slowSteps?: Record<string, number>;
  /** `<op>:start` / `<op>:end` of each slow step, in order. */
  stepLog?: string[];
}

export const INITIAL_SCHEDULE_CONFIG: Record<string, number | string> = {
  'max-snapshot-count': 64,
  'max-pending-peer-count': 64,
  'merge-schedule-limit': 8,
  'leader-schedule-limit': 4,
  'region-schedule-limit': 2048,
  'enable-location-replacement': 'true',
};

export function initialFakeState(manifest: Manifest, stores = 3): FakeClusterState {
  return {
    nowOffsetMs: 0,
    stores: Array.from({ length: stores }, (_, i) => ({ id: String(i + 1), mode: 'normal' as StoreMode })),
    schedulers: Object.fromEntries(['balance-leader-scheduler', 'balance-region-scheduler', 'balance-hot-region-scheduler'].map((n) => [n, { pausedUntilMs: 0 }])),
    config: { ...INITIAL_SCHEDULE_CONFIG },
    overrides: {},
    gcSafePoint: '1000',
    safepoints: {},
    tso: 1_000_000,
    speedLimit: 0,
    databases: [],
    tables: {},
    nextId: 5000,
    ddlJobs: 0,
    ingests: {},
    splitKeys: 0,
    systemTablesRestored: [],
    faults: [],
    importDelayMs: 0,
    manifest,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class FakeCluster {
  /** State kept in this process only (no file): fast, for tests that need no second process. */
  private memory: FakeClusterState | undefined;

  constructor(readonly file: string) {}

  static create(file: string, state: FakeClusterState): FakeCluster {
    const c = new FakeCluster(file);
    c.write(state);
    return c;
  }

  static inMemory(state: FakeClusterState): FakeCluster {
    const c = new FakeCluster('');
    c.memory = state;
    return c;
  }

  read(): FakeClusterState {
    if (this.memory) return this.memory;
    return JSON.parse(readFileSync(this.file, 'utf8')) as FakeClusterState;
  }

  private write(s: FakeClusterState): void {
    if (this.memory) {
      this.memory = s;
      return;
    }
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(s));
    renameSync(tmp, this.file);
  }

  /** Read-modify-write in one synchronous step (no await inside), so concurrent activities never lose updates. */
  update<T>(fn: (s: FakeClusterState) => T): T {
    const s = this.read();
    const r = fn(s);
    this.write(s);
    return r;
  }

  now(): number {
    return Date.now() + this.read().nowOffsetMs;
  }

  /** Throws when a scripted fault matches. */
  private async addSchemaOnly(key: string): Promise<void> {
    this.update((s) => {
      s.schemaOnly ??= [];
      if (!s.schemaOnly.includes(key)) s.schemaOnly.push(key);
    });
  }

  /** Holds a slow step (slowSteps) before its effect: a step still running when the workflow is cancelled. */
  private async slow(op: string): Promise<() => void> {
    const ms = this.read().slowSteps?.[op];
    if (!ms) return () => undefined;
    const log = (what: string): void => {
      this.update((s) => {
        (s.stepLog ??= []).push(`${op}:${what}`);
      });
    };
    log('start');
    await new Promise((r) => setTimeout(r, ms));
    return () => log('end');
  }

  private fault(op: string, subject = ''): void {
    const hit = this.update((s) => {
      const i = s.faults.findIndex((f) => f.op === op && (!f.match || subject.includes(f.match)));
      if (i < 0) return undefined;
      const f = s.faults[i]!;
      if (f.kind === 'transient') {
        f.times = (f.times ?? 1) - 1;
        if (f.times <= 0) s.faults.splice(i, 1);
      }
      return f;
    });
    if (!hit) return;
    if (hit.kind === 'permanent') throw new BrflowError(ErrorType.SstCorrupt, `injected permanent fault in ${op} ${subject}`);
    throw new BrflowError(ErrorType.ClusterUnavailable, `injected transient fault in ${op} ${subject}`);
  }

  /** What "the cluster is back to normal" means for a restore: everything the restore changed is undone. */
  normality(): { importStores: string[]; pausedSchedulers: string[]; overrides: string[]; configChanged: string[]; brflowSafepoints: string[]; speedLimit: number } {
    const s = this.read();
    const now = Date.now() + s.nowOffsetMs;
    return {
      importStores: s.stores.filter((x) => x.mode !== 'normal').map((x) => x.id),
      pausedSchedulers: Object.entries(s.schedulers).filter(([, v]) => v.pausedUntilMs > now).map(([k]) => k),
      overrides: Object.entries(s.overrides).filter(([, v]) => v.expiresAtMs > now).map(([k]) => k),
      configChanged: Object.keys(INITIAL_SCHEDULE_CONFIG).filter((k) => s.config[k] !== INITIAL_SCHEDULE_CONFIG[k]),
      brflowSafepoints: Object.entries(s.safepoints).filter(([k, v]) => k.startsWith('brflow-') && v.expiresAtMs > now).map(([k]) => k),
      speedLimit: s.speedLimit,
    };
  }

  private async createTable({ db, info }: PlanTable): Promise<TableInfo> {
    this.fault('createTable', info.name.O);
    return this.update((s) => {
      const key = `${db}.${info.name.L}`;
      if (!s.tables[key]) {
        const id = s.nextId++;
        const partition = info.partition ? { ...info.partition, definitions: info.partition.definitions.map((d) => ({ ...d, id: s.nextId++ })) } : null;
        // Created by SQL, as the real client does: CREATE TABLE carries no TiFlash replica.
        s.tables[key] = { ...info, id, partition, tiflash_replica: null };
      }
      return s.tables[key]!;
    });
  }

  deps(): ActivityDeps {
    return {
      backup: {
        readManifest: async () => this.read().manifest,
      },
      pd: {
        // No PD behind it: locks stay keyed by the addresses the workflow gives (clusterLockId).
        clusterId: 0n,
        getAllStores: async () => this.read().stores.map((s) => ({ address: `store-${s.id}`, version: this.read().storeVersion ?? '8.5.0' })),
        countTiFlashStores: async () => this.read().tiflashStores ?? 0,
        getTs: async () => BigInt(this.update((s) => (s.tso += 10))),
        getGcSafePoint: async () => BigInt(this.read().gcSafePoint),
        updateServiceGcSafePoint: async (id, ttl, sp) => {
          const now = this.now();
          return BigInt(this.update((s) => {
            if (ttl <= 0) delete s.safepoints[id];
            else s.safepoints[id] = { safePoint: sp.toString(), expiresAtMs: now + ttl * 1000 };
            return s.gcSafePoint;
          }));
        },
      },
      schedules: {
        plan: async (ttlSec): Promise<PdSchedulingSnapshot> => {
          const s = this.read();
          const now = this.now();
          const effective = { ...s.config } as Record<string, unknown>;
          const { original, restore } = restoreScheduleValues(effective, s.stores.length);
          return {
            pdVersion: '8.5.0',
            schedulerMode: 'pause-with-ttl',
            schedulers: SCHEDULERS_TO_PAUSE.filter((n) => s.schedulers[n] && s.schedulers[n]!.pausedUntilMs <= now),
            configMode: 'ttl',
            originalConfig: original,
            restoreConfig: restore,
            ttlSeconds: ttlSec,
          };
        },
        apply: async (snap) => {
          this.fault('applySchedules');
          const ended = await this.slow('applySchedules');
          const now = this.now();
          this.update((s) => {
            for (const n of snap.schedulers) if (s.schedulers[n]) s.schedulers[n]!.pausedUntilMs = now + snap.ttlSeconds * 1000;
            for (const [k, v] of Object.entries(snap.restoreConfig)) s.overrides[k] = { value: v, expiresAtMs: now + snap.ttlSeconds * 1000 };
          });
          ended();
        },
        running: async (names) => {
          const now = this.now();
          const s = this.read();
          return names.filter((n) => s.schedulers[n] !== undefined && s.schedulers[n]!.pausedUntilMs <= now);
        },
        restore: async (snap) => {
          this.fault('restoreSchedules');
          this.update((s) => {
            for (const n of snap.schedulers) if (s.schedulers[n]) s.schedulers[n]!.pausedUntilMs = 0;
            for (const [k, v] of Object.entries(snap.originalConfig)) {
              delete s.overrides[k];
              s.config[k] = v as number | string;
            }
          });
        },
        resetTs: async (ts) => {
          this.update((s) => {
            if (BigInt(s.tso) < ts) s.tso = Number(ts);
            s.resetTs = ts.toString();
          });
        },
      },
      stores: {
        switchMode: async (mode) => {
          this.fault('switchMode', mode);
          const ended = await this.slow(`switchMode:${mode}`);
          this.update((s) => {
            for (const st of s.stores) st.mode = mode;
          });
          ended();
        },
        modes: async () => this.read().stores.map((s) => ({ storeId: s.id, mode: s.mode })),
        setDownloadSpeedLimit: async (n) => {
          this.update((s) => {
            s.speedLimit = n;
          });
        },
      },
      importer: {
        splitAndScatter: async (keys) => {
          this.fault('splitAndScatter');
          this.update((s) => {
            s.splitKeys += keys.length;
          });
        },
        openBatch: async (ranges) => ({
          // The checkpoint is how many of the range's files are ingested, in order.
          importRange: async (i, o = {}) => {
            const { files, rules } = ranges[i]!;
            const from = o.resumeFrom !== undefined && /^\d+$/.test(o.resumeFrom) ? Number(o.resumeFrom) : 0;
            for (const [n, file] of files.entries()) {
              if (n < from) continue;
              const delay = this.read().importDelayMs;
              if (delay > 0) await sleep(delay);
              this.fault('importFile', file.name);
              const rule = findRuleByOldKey(rules, file.startKey);
              if (!rule) throw new BrflowError(ErrorType.Internal, `no rewrite rule for ${file.name}`);
              const newTableId = Number(decodeTableId(fromHex(rule.newKeyPrefix)));
              this.update((s) => {
                const prev = s.ingests[file.name];
                s.ingests[file.name] = { count: (prev?.count ?? 0) + 1, newTableId, crc64xor: file.crc64xor, totalKvs: file.totalKvs, totalBytes: file.totalBytes };
              });
              // The range's last file is reported by the range finishing, not by a checkpoint.
              if (n + 1 < files.length) o.onProgress?.(String(n + 1));
            }
          },
        }),
      },
      schema: {
        createPlacementPolicies: async (policies) => {
          this.update((s) => {
            s.placementPolicies ??= [];
            for (const p of policies) if (!s.placementPolicies.includes(p.name.toLowerCase())) s.placementPolicies.push(p.name.toLowerCase());
          });
        },
        createDatabase: async (db) => {
          this.fault('createDatabase', db.name);
          this.update((s) => {
            if (!s.databases.includes(db.name.toLowerCase())) s.databases.push(db.name.toLowerCase());
          });
        },
        createTable: (t) => this.createTable(t),
        createTables: async (ts) => {
          const out: TableInfo[] = [];
          for (const t of ts) out.push(await this.createTable(t));
          return out;
        },
        getTable: async (db, name) => this.read().tables[`${db}.${name.toLowerCase()}`],
        createSequence: async ({ db, name }) => this.addSchemaOnly(`${db}.${name}`.toLowerCase()),
        createView: async ({ db, name }) => this.addSchemaOnly(`${db}.${name}`.toLowerCase()),
        execDdl: async () => {
          this.update((s) => {
            s.ddlJobs++;
          });
        },
        restoreSystemTables: async (tables) => {
          this.update((s) => {
            for (const t of tables) if (!s.systemTablesRestored.includes(t)) s.systemTablesRestored.push(t);
          });
        },
        readHandleKinds: async (dbs) => {
          const wanted = new Set(dbs.map((d) => d.toLowerCase()));
          return Object.entries(this.read().tables).flatMap(([key, t]) => {
            const db = key.slice(0, key.lastIndexOf('.'));
            return wanted.has(db.toLowerCase()) ? [{ db, name: t.name.O, kind: handleKindOf(t) }] : [];
          });
        },
        setTiFlashReplica: async (db, name, count, labels) => {
          this.update((s) => {
            const t = s.tables[`${db}.${name.toLowerCase()}`];
            if (!t) throw new BrflowError(ErrorType.Internal, `table ${db}.${name} does not exist`);
            t.tiflash_replica = count > 0 ? { Count: count, LocationLabels: [...labels], Available: false } : null;
          });
        },
      },
      checksum: {
        checksumTable: async (_old, newInfo) => {
          this.fault('checksumTable', newInfo.name.O);
          const ids = new Set([newInfo.id, ...(newInfo.partition?.definitions ?? []).map((d) => d.id)]);
          let crc = 0n;
          let kvs = 0n;
          let bytes = 0n;
          for (const f of Object.values(this.read().ingests)) {
            if (!ids.has(f.newTableId)) continue;
            crc ^= BigInt(f.crc64xor);
            kvs += BigInt(f.totalKvs);
            bytes += BigInt(f.totalBytes);
          }
          return { crc64xor: crc.toString(), totalKvs: kvs.toString(), totalBytes: bytes.toString() };
        },
      },
    };
  }
}
