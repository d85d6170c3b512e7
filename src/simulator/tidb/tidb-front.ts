import { createHash, timingSafeEqual } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createServer } from 'mysql2';
import type { SimulatorTls } from '../simulator-tls';
import { MysqlTlsUpgrade } from './mysql-tls-upgrade';
import { Catalog, type CatalogOptions } from './catalog';
import { errorPacket } from './error-packet';
import { ErrNo, SqlError } from './sql-error';
import { splitStatements } from './sql-lexer';
import { startStatusApi } from './status-api';
import { TidbFaults } from './tidb-faults';
import { defaultGlobalVariables, SIMULATED_SERVER_VERSION, TidbSession, type StatementResult } from './tidb-session';

export interface TidbFrontOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** SQL port; 0 picks a free one. @default 0 */
  port?: number;
  /** Status HTTP port; 0 picks a free one. @default 0 */
  statusPort?: number;
  /** Accounts (user → password) checked with mysql_native_password. Absent: any user, any password. */
  users?: Record<string, string>;
  /** Share a catalog (e.g. the simulator's) instead of starting from a fresh bootstrap. */
  catalog?: Catalog;
  catalogOptions?: CatalogOptions;
  /**
   * Serve the MySQL protocol and the status API over TLS with these certificates. Plain-text logins are then
   * refused, as TiDB with `require-secure-transport`. @default plain text
   */
  tls?: SimulatorTls;
}

export interface TidbFront {
  /** host:port of the MySQL-protocol endpoint. */
  address: string;
  /** host:port of the status HTTP API. */
  statusAddress: string;
  catalog: Catalog;
  faults: TidbFaults;
  stop(): Promise<void>;
}

/** Subset of mysql2's server-side connection we use (mysql2 ships no types for the server role). */
interface ServerConnection {
  stream: Socket;
  clientHelloReply?: { database?: string; charsetNumber?: number; user?: string };
  serverHandshake(args: Record<string, unknown>): void;
  on(event: string, fn: (...args: never[]) => void): void;
  writeOk(args?: { affectedRows?: number; serverStatus?: number }): void;
  writeError(args: { code: number; message: string }): void;
  writeColumns(columns: Record<string, unknown>[]): void;
  writeTextRow(values: (string | number | null)[]): void;
  writeEof(warnings?: number, statusFlags?: number): void;
  writePacket(packet: unknown): void;
  sequenceId: number;
  compressedSequenceId: number;
}

/**
 * mysql2's server keeps one long-lived command for the whole session, so it never resets the packet sequence
 * when a command completes; the next client command starts at 0, so we reset after each complete answer.
 */
function endOfAnswer(conn: ServerConnection): void {
  conn.sequenceId = 0;
  conn.compressedSequenceId = 0;
}

const SERVER_STATUS_AUTOCOMMIT = 0x0002;
const SERVER_MORE_RESULTS_EXISTS = 0x0008;
const CLIENT_SSL = 0x0800;
/** ER_SECURE_TRANSPORT_REQUIRED */
const ER_SECURE_TRANSPORT_REQUIRED = 3159;
const CLIENT_COMPRESS = 0x0020;
/** utf8mb4_general_ci: the handshake charset mysql2 maps to utf8. */
const CHARSET_UTF8MB4 = 45;
const CHARSET_BINARY = 63;
/** Collation IDs a client may name in its handshake (MySQL's numbering), the common ones. */
const HANDSHAKE_COLLATIONS: Record<number, string> = {
  33: 'utf8_general_ci', 45: 'utf8mb4_general_ci', 46: 'utf8mb4_bin', 63: 'binary', 83: 'utf8_bin', 224: 'utf8mb4_unicode_ci', 255: 'utf8mb4_0900_ai_ci',
};
const TYPE_LONGLONG = 8;
const TYPE_VAR_STRING = 253;

/**
 * Starts the simulated TiDB SQL front on the MySQL wire (mysql2's server, text protocol only: clients must use
 * `.query()`), plus TiDB's status HTTP API over the same catalog.
 */
export async function startTidbFront(opts: TidbFrontOptions = {}): Promise<TidbFront> {
  const host = opts.host ?? '127.0.0.1';
  const catalog = opts.catalog ?? new Catalog(opts.catalogOptions);
  const globals = defaultGlobalVariables(catalog);
  const faults = new TidbFaults();
  const sockets = new Set<Socket>();
  let nextConnectionId = 1;

  const server = createServer((c) => {
    const conn = c as unknown as ServerConnection;
    sockets.add(conn.stream);
    conn.stream.on('close', () => sockets.delete(conn.stream));
    // A client vanishing mid-packet must not take the simulator down.
    conn.on('error', () => undefined);
    // mysql2 writes errors of its own (a refused login) with the placeholder SQLSTATE "_____"; send TiDB's.
    conn.writeError = (args) => conn.writePacket(errorPacket(args.code, args.message));
    let session: TidbSession | undefined;
    // Statements of one connection run in arrival order even when a fault delays one of them.
    let queue: Promise<void> = Promise.resolve();
    const sessionOf = (): TidbSession => {
      if (!session) {
        const host = (conn.stream.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
        session = new TidbSession(catalog, globals, undefined, { user: conn.clientHelloReply?.user ?? 'root', host });
        // The handshake's collation becomes the session's, as in TiDB (mysql2 asks for utf8mb4_unicode_ci).
        const collation = HANDSHAKE_COLLATIONS[conn.clientHelloReply?.charsetNumber ?? -1];
        if (collation) session.execute(`SET collation_connection = '${collation}'`);
        const db = conn.clientHelloReply?.database;
        if (db) session.use(db);
      }
      return session;
    };
    // The SSLRequest consumed by the upgrade took sequence number 1; the HandshakeResponse comes with 2.
    if (conn.stream instanceof MysqlTlsUpgrade) conn.stream.once('upgrade', () => void (conn.sequenceId = 2));
    conn.serverHandshake({
      protocolVersion: 10,
      serverVersion: SIMULATED_SERVER_VERSION,
      connectionId: nextConnectionId++,
      statusFlags: SERVER_STATUS_AUTOCOMMIT,
      characterSet: CHARSET_UTF8MB4,
      // No TLS or compression on the simulator's loopback socket: a client that demands TLS is told so.
      capabilityFlags: 0xffffff & ~(opts.tls ? 0 : CLIENT_SSL) & ~CLIENT_COMPRESS,
      authCallback: (params: AuthParams, cb: (err: Error | null, mysqlError?: { code: number; message: string }) => void) => {
        if (opts.tls && !(conn.stream instanceof MysqlTlsUpgrade && conn.stream.encrypted)) {
          return cb(null, { code: ER_SECURE_TRANSPORT_REQUIRED, message: 'Connections using insecure transport are prohibited while --require_secure_transport=ON.' });
        }
        const denied = checkAuth(opts.users, params);
        if (denied) return cb(null, { code: ErrNo.AccessDenied, message: denied });
        try {
          if (params.database) new TidbSession(catalog, globals, params.database);
          cb(null);
          endOfAnswer(conn);
        } catch (e) {
          const err = e as SqlError;
          cb(null, { code: err.errno ?? ErrNo.Unknown, message: err.message });
        }
      },
    });
    const handle = (sql: string): void => {
      queue = queue.then(() => runQuery(conn, sessionOf, faults, sql));
    };
    conn.on('query', handle as (...a: never[]) => void);
    // mysql2 routes texts starting with SET or PREPARE to 'stmt_prepare'; for a text-protocol front they are queries.
    conn.on('stmt_prepare', ((sql: string) => {
      if (/^\s*set\b/i.test(sql)) handle(sql);
      else writeError(conn, new SqlError(ErrNo.NotSupportedYet, 'prepared statements are not supported by the simulated TiDB front; use query()'));
    }) as (...a: never[]) => void);
    conn.on('stmt_execute', (() =>
      writeError(conn, new SqlError(ErrNo.NotSupportedYet, 'prepared statements are not supported by the simulated TiDB front; use query()'))) as (...a: never[]) => void);
    conn.on('ping', (() => {
      queue = queue.then(() => {
        conn.writeOk();
        endOfAnswer(conn);
      });
    }) as (...a: never[]) => void);
    conn.on('init_db', ((db: string) => {
      queue = queue.then(() => {
        try {
          sessionOf().use(db);
          conn.writeOk();
          endOfAnswer(conn);
        } catch (e) {
          writeError(conn, e);
        }
      });
    }) as (...a: never[]) => void);
  });

  if (opts.tls) {
    const tls = opts.tls;
    const mysql = server as unknown as { _server: import('node:net').Server; _handleConnection(stream: unknown): void };
    mysql._server.removeAllListeners('connection');
    mysql._server.on('connection', (socket: Socket) => mysql._handleConnection(new MysqlTlsUpgrade(socket, tls)));
  }
  await new Promise<void>((resolve, reject) => {
    const raw = (server as unknown as { _server: import('node:net').Server })._server;
    raw.once('error', reject);
    raw.listen(opts.port ?? 0, host, () => resolve());
  });
  const raw = (server as unknown as { _server: import('node:net').Server })._server;
  const sqlPort = (raw.address() as AddressInfo).port;
  let status: { server: HttpServer; address: string };
  try {
    status = await startStatusApi(catalog, faults, host, opts.statusPort ?? 0, () => sockets.size, opts.tls);
  } catch (e) {
    raw.close();
    throw e;
  }

  return {
    address: `${host}:${sqlPort}`,
    statusAddress: status.address,
    catalog,
    faults,
    stop: async () => {
      for (const s of sockets) s.destroy();
      status.server.closeAllConnections();
      await Promise.all([
        new Promise<void>((r) => raw.close(() => r())),
        new Promise<void>((r) => status.server.close(() => r())),
      ]);
    },
  };
}

interface AuthParams {
  user: string;
  database?: string;
  authPluginData1: Buffer;
  authPluginData2: Buffer;
  authToken: Buffer;
}

/** mysql_native_password: token = SHA1(pw) XOR SHA1(scramble + SHA1(SHA1(pw))). Returns the denial text, if any. */
function checkAuth(users: Record<string, string> | undefined, p: AuthParams): string | undefined {
  if (!users) return undefined;
  const denied = `Access denied for user '${p.user}'@'127.0.0.1' (using password: ${p.authToken.length > 0 ? 'YES' : 'NO'})`;
  const password = Object.hasOwn(users, p.user) ? users[p.user] : undefined;
  if (password === undefined) return denied;
  if (password === '') return p.authToken.length === 0 ? undefined : denied;
  const sha1 = (b: Buffer | string): Buffer => createHash('sha1').update(b).digest();
  const stage1 = sha1(password);
  const scramble = Buffer.concat([p.authPluginData1, p.authPluginData2]);
  const mask = sha1(Buffer.concat([scramble, sha1(stage1)]));
  const expected = Buffer.from(stage1.map((b, i) => b ^ (mask[i] as number)));
  return p.authToken.length === expected.length && timingSafeEqual(p.authToken, expected) ? undefined : denied;
}

async function runQuery(conn: ServerConnection, sessionOf: () => TidbSession, faults: TidbFaults, text: string): Promise<void> {
  let statements: string[];
  try {
    statements = splitStatements(text);
    if (statements.length === 0) throw SqlError.syntax(text, 0);
  } catch (e) {
    return writeError(conn, e);
  }
  for (let i = 0; i < statements.length; i++) {
    const sql = statements[i] as string;
    const more = i < statements.length - 1;
    try {
      const result = await faults.run(sql, () => sessionOf().execute(sql));
      writeResult(conn, result, more);
    } catch (e) {
      // A failing statement ends a multi-statement text, as in MySQL.
      return writeError(conn, e);
    }
  }
}

function writeResult(conn: ServerConnection, r: StatementResult, more: boolean): void {
  const status = SERVER_STATUS_AUTOCOMMIT | (more ? SERVER_MORE_RESULTS_EXISTS : 0);
  if (r.kind === 'ok') {
    conn.writeOk({ affectedRows: r.affectedRows, serverStatus: status });
    if (!more) endOfAnswer(conn);
    return;
  }
  conn.writeColumns(
    r.columns.map((c) => ({
      catalog: 'def',
      schema: '',
      table: '',
      orgTable: '',
      name: c.name,
      orgName: c.name,
      characterSet: c.type === 'int' ? CHARSET_BINARY : CHARSET_UTF8MB4,
      columnLength: c.type === 'int' ? 21 : 1024,
      columnType: c.type === 'int' ? TYPE_LONGLONG : TYPE_VAR_STRING,
      flags: 0,
      decimals: 0,
    })),
  );
  // mysql2's writeTextResult builds rows from a pre-sized array and then pushes, so we write rows ourselves.
  for (const row of r.rows) conn.writeTextRow(row.map((v) => (v === null ? null : String(v))));
  conn.writeEof(0, status);
  if (!more) endOfAnswer(conn);
}

function writeError(conn: ServerConnection, e: unknown): void {
  if (e instanceof SqlError) conn.writeError({ code: e.errno, message: e.message });
  // Anything else is a simulator bug: answer it as TiDB's generic error instead of crashing the front.
  else conn.writeError({ code: ErrNo.Unknown, message: `simulated TiDB internal error: ${e instanceof Error ? e.message : String(e)}` });
  endOfAnswer(conn);
}
