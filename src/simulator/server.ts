import { Server } from '@grpc/grpc-js';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { openStorageFromBackend } from '../backup/storage-backend';
import type { BackupStorage } from '../backup/storage';
import type { StorageBackend } from '../proto/brpb';
import { ImportSSTService } from '../proto/import_sstpb';
import { PDService } from '../proto/pdpb';
import { TikvService } from '../proto/tikvpb';
import { createAdminHandler } from './admin-http';
import { allocateExternalPdIds, ExternalPdLink, type ExternalPdOptions } from './external-pd';
import { systemClock, type Clock } from './clock';
import { ClusterState } from './cluster-state';
import { Faults } from './faults';
import { createImportService } from './import-service';
import { Inspector } from './inspector';
import { createPdHttpHandler } from './pd-http';
import { DEFAULT_PD_VERSION } from './pd-version';
import { PdMembership } from './pd-membership';
import { createPdService } from './pd-service';
import { SharedSstLoads } from './shared-sst-loads';
import { startPortMux, type PortMux } from './port-mux';
import { decodeBackupSst } from './sst-decode';
import type { SstEntry } from './sst-rewrite';
import { createTikvService } from './tikv-service';
import { createTikvStatusHandler } from './tikv-status-http';
import { createTiFlashRefusal } from './tiflash-service';
import { startTidbFront, type TidbFront, type TidbFrontOptions } from './tidb/tidb-front';
import { grpcServerCredentials, tlsServerOptions, type SimulatorTls } from './simulator-tls';

const HOST = '127.0.0.1';
/** BR's PD client allows 128 MiB messages (research §7.1); ScanRegions answers can be large. */
const MAX_MESSAGE_BYTES = 128 * 1024 * 1024;

export interface SimulatorOptions {
  /** TiKV stores. @default 3 */
  stores?: number;
  /** Extra stores labelled engine=tiflash. @default 0 */
  tiflashStores?: number;
  /** Version TiKV stores report to PD (BR checks it against the backup's). @default '8.5.0' */
  tikvVersion?: string;
  /** Whether TiKV serves ImportSST.BatchDownload (ClusterStateOptions.batchDownload). @default true */
  batchDownload?: boolean;
  /** TiKV import-mode-timeout in ms. @default 600000 */
  importModeTimeoutMs?: number;
  clock?: Clock;
  /**
   * Reported by PD, and the behaviour played: below v4.0.8 there is no scheduler pause or TTL config; below v8.5.5
   * batch scatter does not list failed regions. @default DEFAULT_PD_VERSION (v8.5.4, the measured real PD)
   */
  pdVersion?: string;
  /** False: PD answers as a fresh PD no TiKV has bootstrapped yet. @default true */
  bootstrapped?: boolean;
  /** PD members (≥ 2 allows a leader change). @default 2 */
  pdMembers?: number;
  clusterId?: bigint;
  /** GetOperator polls before a scatter finishes. @default 2 */
  scatterPolls?: number;
  scatterTransfersLeader?: boolean;
  /** A store going down hands its region leaderships to live peers, as raft would. @default false */
  failoverOnStoreDown?: boolean;
  /** How a store opens the StorageBackend of a Download. @default openStorageFromBackend */
  openStorage?: (backend: StorageBackend) => BackupStorage;
  /** How a store decodes SST bytes. @default decodeBackupSst (src/backup/sst) */
  decodeSst?: (bytes: Uint8Array) => Promise<SstEntry[]>;
  /** The simulated TiDB SQL front (src/simulator/tidb) and its options; false = no TiDB. @default {} */
  tidb?: false | TidbFrontOptions;
  /**
   * `{ external: 'host:port' }`: start no PD; the stores join that real (not yet bootstrapped) PD as TiKV does:
   * bootstrap, heartbeats, AskBatchSplit, and the operators PD schedules (src/simulator/external-pd.ts).
   * Options that shape the simulated PD (pdMembers, pdVersion, clusterId, scatter*) then do not apply.
   * @default the simulated PD
   */
  pd?: ExternalPdOptions;
  /**
   * Serve the cluster over TLS with these certificates: PD (gRPC and HTTP on its port, https client URLs),
   * every store's gRPC and status HTTP, and the TiDB front (MySQL TLS, required; status over https). The
   * simulator's admin API stays plain HTTP. Not with an external PD. @default plain text
   */
  tls?: SimulatorTls;
}

export interface SimulatorHandle {
  /** host:port of the PD leader at start: gRPC and HTTP on the same port. */
  pdAddress: string;
  /** Every PD member's host:port (members answer "not leader" unless elected). */
  pdAddresses: string[];
  stores: { id: number; address: string; statusAddress: string }[];
  /** http://host:port of the simulator's admin API. */
  adminUrl: string;
  tidb?: { address: string; statusAddress: string };
  /** The TiDB front itself (catalog, SQL faults), when started. */
  tidbFront?: TidbFront;
  state: ClusterState;
  faults: Faults;
  inspector: Inspector;
  /** Simulated PD election; returns the new leader's host:port. Throws with an external PD. */
  changePdLeader(): string;
  /** With an external PD: resolves once every region has `replicas` voters, as the real PD's replica checker adds them. */
  waitForReplicas?(replicas: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts PD (gRPC+HTTP per member), one TiKV per store (gRPC + status HTTP), the admin API and the TiDB front, all on 127.0.0.1 free ports. */
export async function startSimulator(opts: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const clock = opts.clock ?? systemClock;
  if (opts.tls && opts.pd) throw new Error('startSimulator: tls with an external PD is not supported; the stores would need TLS towards that PD');
  const tls = opts.tls;
  const scheme = tls ? 'https' : 'http';
  const externalIds = opts.pd ? await allocateExternalPdIds(opts.pd.external, opts.stores ?? 3, opts.tiflashStores ?? 0) : undefined;
  let state: ClusterState;
  try {
    state = new ClusterState({
      clock,
      ...(opts.stores !== undefined ? { stores: opts.stores } : {}),
      ...(opts.tiflashStores !== undefined ? { tiflashStores: opts.tiflashStores } : {}),
      ...(opts.importModeTimeoutMs !== undefined ? { importModeTimeoutMs: opts.importModeTimeoutMs } : {}),
      ...(opts.clusterId !== undefined ? { clusterId: opts.clusterId } : {}),
      ...(opts.tikvVersion !== undefined ? { tikvVersion: opts.tikvVersion } : {}),
      ...(opts.batchDownload !== undefined ? { batchDownload: opts.batchDownload } : {}),
      ...(opts.scatterPolls !== undefined ? { scatterPolls: opts.scatterPolls } : {}),
      ...(opts.scatterTransfersLeader !== undefined ? { scatterTransfersLeader: opts.scatterTransfersLeader } : {}),
      ...(opts.bootstrapped !== undefined ? { bootstrapped: opts.bootstrapped } : {}),
      // A real PD's cluster ID and the IDs it allocated win over the simulated defaults.
      ...(externalIds
        ? { clusterId: externalIds.client.clusterId, storeIds: externalIds.storeIds, tiflashStoreIds: externalIds.tiflashStoreIds, firstRegion: externalIds.firstRegion }
        : {}),
    });
  } catch (e) {
    externalIds?.client.close();
    throw e;
  }
  const faults = new Faults();
  if (opts.failoverOnStoreDown) faults.onStoreDown((id) => state.failoverLeaders(id, (s) => !faults.isStoreDown(s)));
  const stoppers: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stoppers.reverse()) await s().catch(() => undefined);
    stoppers.length = 0;
  };

  const link = externalIds && opts.pd ? new ExternalPdLink(state, faults, externalIds.client, opts.pd) : undefined;
  if (link) stoppers.push(() => link.stop());
  try {
    // PD members: reserve each public port first, so every member's GetMembers can name all client URLs.
    const memberCount = link ? 0 : Math.max(1, opts.pdMembers ?? 2);
    const pdVersion = opts.pdVersion ?? DEFAULT_PD_VERSION;
    const pdHttp = createPdHttpHandler(state, { pdVersion, faults });
    const members: { name: string; grpc: Server; http: HttpServer; grpcPort: number }[] = [];
    for (let i = 1; i <= memberCount; i++) {
      const grpc = newGrpcServer();
      // Plain text on the internal port: the port mux in front terminates TLS.
      const grpcPort = await bind(grpc);
      stoppers.push(() => shutdownGrpc(grpc));
      const http = createServer(pdHttp);
      stoppers.push(() => closeHttp(http));
      members.push({ name: `pd-${i}`, grpc, http, grpcPort });
    }
    const muxes: PortMux[] = [];
    for (const m of members) {
      const mux = await startPortMux({ host: HOST, grpcPort: m.grpcPort, http: m.http, ...(tls ? { tls } : {}) });
      stoppers.push(() => mux.close());
      muxes.push(mux);
    }
    const membership = new PdMembership(
      link
        ? [{ name: 'external-pd', memberId: 0n, clientUrl: `http://${link.client.address}` }]
        : members.map((m, i) => ({ name: m.name, memberId: BigInt(1000 + i), clientUrl: `${scheme}://${HOST}:${muxes[i]!.port}` })),
    );
    members.forEach((m) => m.grpc.addService(PDService, createPdService(state, faults, membership, m.name, { pdVersion })));

    const openStorage = opts.openStorage ?? openStorageFromBackend;
    const decodeSst = opts.decodeSst ?? ((b: Uint8Array) => decodeBackupSst(b));
    // The replicas of a region download the same file at once: one read and decode serves them all.
    const loads = new SharedSstLoads();
    const stores = [];
    for (const s of state.stores()) {
      const grpc = newGrpcServer();
      if (state.isTiFlashStore(s.id)) {
        grpc.addService(ImportSSTService, createTiFlashRefusal(state, s.id, ImportSSTService));
        grpc.addService(TikvService, createTiFlashRefusal(state, s.id, TikvService));
      } else {
        grpc.addService(ImportSSTService, createImportService({ state, faults, storeId: s.id, openStorage, decodeSst, loads }));
        grpc.addService(TikvService, createTikvService(state, faults, s.id, link && ((id, keys) => link.split(id, keys))));
      }
      const port = await bind(grpc, tls);
      stoppers.push(() => shutdownGrpc(grpc));
      const status = await listenHttp(createTikvStatusHandler(state, s.id), tls);
      stoppers.push(() => closeHttp(status.server));
      const address = `${HOST}:${port}`;
      const statusAddress = `${HOST}:${status.port}`;
      state.setStoreAddress(s.id, address, statusAddress);
      stores.push({ id: s.id, address, statusAddress });
    }

    const inspector = new Inspector(state, faults, membership);
    const admin = await listenHttp(createAdminHandler(faults, inspector, membership));
    stoppers.push(() => closeHttp(admin.server));

    if (link) await link.start();
    // A real PD: every member, the leader first (a client given them all follows the leader when it moves).
    const pdAddresses = link ? link.client.endpoints : muxes.map((m) => `${HOST}:${m.port}`);
    const pdAddress = pdAddresses[0]!;
    let tidbFront: TidbFront | undefined;
    if (opts.tidb !== false) {
      const front = await startTidbFront({ host: HOST, ...(tls ? { tls } : {}), ...(opts.tidb ?? {}) });
      // TiDB asks PD how many TiFlash stores there are before it accepts SET TIFLASH REPLICA.
      front.catalog.useTiFlashStoreCount(() => state.stores().filter((st) => st.state !== 'Tombstone' && state.isTiFlashStore(st.id)).length);
      stoppers.push(() => front.stop());
      tidbFront = front;
    }
    return {
      pdAddress,
      pdAddresses,
      stores,
      adminUrl: `http://${HOST}:${admin.port}`,
      ...(tidbFront ? { tidb: { address: tidbFront.address, statusAddress: tidbFront.statusAddress }, tidbFront } : {}),
      state,
      faults,
      inspector,
      changePdLeader: () => {
        if (link) throw new Error('the simulator cannot elect a leader in an external PD');
        return membership.changeLeader().clientUrl.replace(/^https?:\/\//, '');
      },
      ...(link ? { waitForReplicas: (replicas: number, timeoutMs?: number) => link.waitForReplicas(replicas, timeoutMs) } : {}),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

function newGrpcServer(): Server {
  return new Server({ 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES, 'grpc.max_send_message_length': MAX_MESSAGE_BYTES });
}

function bind(server: Server, tls?: SimulatorTls): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`${HOST}:0`, grpcServerCredentials(tls), (err, port) => (err ? reject(err) : resolve(port)));
  });
}

function shutdownGrpc(server: Server): Promise<void> {
  return new Promise((resolve) => {
    // Streams (Tso) would hold a graceful shutdown open: give them a moment, then force.
    const t = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, 200);
    server.tryShutdown(() => {
      clearTimeout(t);
      resolve();
    });
  });
}

async function listenHttp(handler: (req: IncomingMessage, res: ServerResponse) => void, tls?: SimulatorTls): Promise<{ server: HttpServer; port: number }> {
  const server: HttpServer = tls ? createHttpsServer(tlsServerOptions(tls), handler) : createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve());
  });
  const a = server.address();
  return { server, port: typeof a === 'object' && a ? a.port : 0 };
}

function closeHttp(server: HttpServer): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
