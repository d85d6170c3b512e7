import type { Connection, RowDataPacket } from 'mysql2/promise';
import { retry, type RetryPolicy } from './backoff';
import { ClusterError, type ErrorClass } from './errors';
import { classifyMysqlError, mysqlErrno } from './tidb-errors';

/** A failed TiDB call: a ClusterError that also carries TiDB's error number when TiDB answered one. */
export class TidbError extends ClusterError {
  readonly errno?: number;
  constructor(
    address: string,
    call: string,
    cls: ErrorClass,
    errno?: number,
    /** A statement that is not safe to send twice went out and got no answer (deadline, connection lost): it may have run. */
    readonly outcomeUnknown = false,
  ) {
    super(address, call, cls);
    if (errno !== undefined) this.errno = errno;
  }

  /** Whether this session pool may send the same statement again on its own: never after an unknown outcome. */
  get sendAgain(): boolean {
    return this.retryable && !this.outcomeUnknown;
  }
}

/**
 * The failure of a statement that is not safe to send twice. TiDB's own answer (an error number) fails the step
 * for good, as before. No answer (deadline, connection lost) leaves its outcome unknown: the pool does not send it
 * again alone, but the failure is retryable, so the step's retry policy runs the whole step again. That is safe
 * for every step, because a Temporal activity already runs at least once: a worker killed just after sending the
 * statement leaves the same state, and each step that sends one (databases, sequences, tables, constraints,
 * views, DDL replay, system tables) finds what an earlier try made and goes on from there. Before, the unknown
 * outcome failed the restore (tidb-restart-real-tidb.test.ts freezes a real TiDB with such statements in flight).
 */
export function statementFailure(address: string, call: string, e: unknown): TidbError {
  const cls = classifyMysqlError(e);
  const errno = mysqlErrno(e);
  const unknown = errno === undefined && cls.retryable;
  return new TidbError(address, call, { ...cls, retryable: unknown }, errno, unknown);
}

/** What one statement needs besides its text. */
export interface StatementOptions {
  /** Names the call in errors ("create table a.b"). */
  call: string;
  /**
   * Whether sending it twice does no harm: a statement that failed after it was sent is retried only then,
   * since a lost answer does not mean it did not run. Failing to connect is always retried (nothing was sent).
   */
  idempotent: boolean;
  /** The database unqualified names resolve in; `USE` is sent only when the session is elsewhere. */
  db?: string;
}

/**
 * One TiDB session of the pool. It remembers its current database, so a run of tables of one database costs one
 * `USE`, not one per table; a session that broke is re-opened on its next statement, in no database.
 */
export class TidbSession {
  private conn: Connection | undefined;
  private currentDb: string | undefined;

  constructor(
    private readonly pool: TidbSessionPool,
    private readonly open: () => Promise<Connection>,
  ) {}

  /** One statement with the pool's deadline and retry policy (see StatementOptions.idempotent). */
  query(sql: string, opts: StatementOptions): Promise<unknown> {
    const { address, timeoutMs, policy } = this.pool;
    return retry(
      async () => {
        const conn = await this.connection(opts.call);
        try {
          if (opts.db !== undefined && this.currentDb !== opts.db) {
            // USE changes nothing but this session: safe to send again whatever the statement is.
            await conn.query({ sql: `USE ${quoteId(opts.db)}`, timeout: timeoutMs }).catch((e: unknown) => {
              throw new TidbError(address, `${opts.call} (USE)`, classifyMysqlError(e), mysqlErrno(e));
            });
            this.currentDb = opts.db;
          }
          const [result] = await conn.query<RowDataPacket[]>({ sql, timeout: timeoutMs });
          return result;
        } catch (e) {
          const errno = e instanceof TidbError ? e.errno : mysqlErrno(e);
          if (errno === undefined) this.reset();
          if (e instanceof TidbError) throw e;
          throw opts.idempotent ? new TidbError(address, opts.call, classifyMysqlError(e), errno) : statementFailure(address, opts.call, e);
        }
      },
      policy,
      (e) => e instanceof TidbError && e.sendAgain,
    );
  }

  /**
   * `USE db` whether or not the session is there already: it fails with "unknown database" (1049) where the
   * database is gone, which a caller may need to tell apart (DDL replay), and a statement after it is sure
   * to resolve names there.
   */
  async use(db: string, call: string): Promise<void> {
    this.currentDb = undefined;
    await this.query(`USE ${quoteId(db)}`, { call: `${call} (USE)`, idempotent: true });
    this.currentDb = db;
  }

  /** Drops the connection (a broken one, or one whose state the caller cannot vouch for). */
  reset(): void {
    const c = this.conn;
    this.conn = undefined;
    this.currentDb = undefined;
    c?.destroy();
  }

  async close(): Promise<void> {
    const c = this.conn;
    this.conn = undefined;
    this.currentDb = undefined;
    if (c) await c.end().catch(() => c.destroy());
  }

  private async connection(call: string): Promise<Connection> {
    if (this.conn) return this.conn;
    let c: Connection;
    try {
      c = await this.open();
    } catch (e) {
      throw new TidbError(this.pool.address, `${call} (connect)`, classifyMysqlError(e), mysqlErrno(e));
    }
    // A connection that breaks while idle is replaced on the next statement rather than reused.
    c.on('error', () => {
      if (this.conn === c) this.reset();
    });
    this.conn = c;
    this.currentDb = undefined;
    return c;
  }
}

/**
 * A pool of TiDB sessions (BR runs its DDL over 16; brflow's default is 64, tidb-config.ts says why). A caller
 * holds one session for a sequence of statements that depend on session state (the current database,
 * `foreign_key_checks`), so sequences on different sessions run side by side and TiDB's DDL owner can take
 * several jobs at once; with one session, every table waited for the previous one's round trips. Sessions are
 * opened when first needed and all closed by close().
 */
export class TidbSessionPool {
  private readonly idle: TidbSession[] = [];
  private readonly waiting: ((s: TidbSession) => void)[] = [];
  private readonly all: TidbSession[] = [];

  constructor(
    readonly address: string,
    readonly size: number,
    readonly timeoutMs: number,
    readonly policy: RetryPolicy,
    open: () => Promise<Connection>,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`TiDB session pool size ${size} is not a positive whole number`);
    for (let i = 0; i < size; i++) {
      const s = new TidbSession(this, open);
      this.all.push(s);
      this.idle.push(s);
    }
  }

  /**
   * Runs `fn` on a session of its own, waiting for one to be free. A session `fn` failed on for any reason but
   * an answer from TiDB is re-opened before reuse: it may hold state half-set (a sequence stopped between a SET
   * and its undo) or a connection in an unknown state.
   */
  async withSession<T>(fn: (s: TidbSession) => Promise<T>): Promise<T> {
    const s = await this.acquire();
    try {
      return await fn(s);
    } catch (e) {
      if (!(e instanceof TidbError && e.errno !== undefined)) s.reset();
      throw e;
    } finally {
      this.release(s);
    }
  }

  /** Closes every open session; a later call opens sessions again, as a new client would. */
  async close(): Promise<void> {
    await Promise.all(this.all.map((s) => s.close()));
  }

  private acquire(): Promise<TidbSession> {
    const s = this.idle.pop();
    if (s) return Promise.resolve(s);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(s: TidbSession): void {
    const next = this.waiting.shift();
    if (next) next(s);
    else this.idle.push(s);
  }
}

/** Backquotes an identifier (MySQL rules: a backquote inside is doubled). */
export function quoteId(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}
