import { createConnection, type Connection } from 'mysql2/promise';
import type { TidbConnectionConfig } from '../../../../src/cluster/tidb-config';
import type { RealTidb } from '../../../../src/local-stack/real-tidb';
import { startTidbFront, type TidbFront } from '../../../../src/simulator/tidb/tidb-front';
import { realTidbConfig, startRealTidbForTest } from '../../../support/real-parts';

/** One TiDB under test: its SQL connection (brflow's mysql2 options), status address and brflow config. */
export interface TidbUnderTest {
  name: 'simulated' | 'real';
  conn: Connection;
  statusAddress: string;
  config: TidbConnectionConfig;
}

/** What one statement answered: OK, rows, or a MySQL error (number and SQLSTATE). */
export type Answer = { ok: true; rows?: Record<string, unknown>[] } | { ok: false; errno: number; sqlState: string };

/** The simulated TiDB front and a real TiDB v8.5.3 (unistore), started side by side. */
export interface TwoTidbs {
  simulated: TidbUnderTest;
  /** The simulated front's catalog, for what only the real TiDB's meta shows otherwise (placement policies). */
  simulatedCatalog: TidbFront['catalog'];
  real: TidbUnderTest;
  stop(): Promise<void>;
}

function configOf(address: string, statusAddress: string): TidbConnectionConfig {
  const [host, port] = address.split(':') as [string, string];
  return { host, port: Number(port), statusAddress, user: 'root', password: '' };
}

/** The connection options TidbClient uses (src/cluster/tidb.ts), so answers come back typed as brflow sees them. */
async function connect(cfg: TidbConnectionConfig): Promise<Connection> {
  return createConnection({ host: cfg.host, port: cfg.port, user: cfg.user, password: cfg.password, supportBigNumbers: true, bigNumberStrings: true, dateStrings: true, multipleStatements: false });
}

export async function startTwoTidbs(): Promise<TwoTidbs> {
  let front: TidbFront | undefined;
  let real: RealTidb | undefined;
  try {
    [front, real] = await Promise.all([startTidbFront(), startRealTidbForTest()]);
    const simCfg = configOf(front.address, front.statusAddress);
    const realCfg = realTidbConfig(real);
    const [simConn, realConn] = await Promise.all([connect(simCfg), connect(realCfg)]);
    const f = front;
    const r = real;
    return {
      simulated: { name: 'simulated', conn: simConn, statusAddress: f.statusAddress, config: simCfg },
      simulatedCatalog: f.catalog,
      real: { name: 'real', conn: realConn, statusAddress: r.statusAddress, config: realCfg },
      stop: async () => {
        await Promise.all([simConn.end().catch(() => undefined), realConn.end().catch(() => undefined)]);
        await Promise.all([f.stop(), r.stop()]);
      },
    };
  } catch (e) {
    await Promise.all([front?.stop(), real?.stop()]);
    throw e;
  }
}

/** Runs one statement and reports the answer instead of throwing. */
export async function answer(t: TidbUnderTest, sql: string): Promise<Answer> {
  try {
    const [rows] = await t.conn.query(sql);
    return Array.isArray(rows) ? { ok: true, rows: rows as Record<string, unknown>[] } : { ok: true };
  } catch (e) {
    const err = e as { errno?: number; sqlState?: string; sqlMessage?: string };
    if (typeof err.errno !== 'number' || err.sqlMessage === undefined) throw e;
    return { ok: false, errno: err.errno, sqlState: err.sqlState ?? '' };
  }
}

/** GET on the status API: the HTTP status and the body (parsed when JSON). */
export async function statusGet(t: TidbUnderTest, path: string): Promise<{ status: number; body: unknown; text: string }> {
  const res = await fetch(`http://${t.statusAddress}${path}`);
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body, text };
}
