import type { Connection } from 'mysql2/promise';
import { TidbError, TidbSessionPool } from '../../../src/cluster/tidb-sessions';

/**
 * The session pool over scripted connections: how many it opens, which statements each one is sent (USE only
 * where the session is elsewhere), and which failures make it start a session over.
 */
interface FakeConnection {
  id: number;
  sent: string[];
  ended: boolean;
  destroyed: boolean;
}

function fakeServer(answer: (sql: string) => Promise<unknown> = () => Promise.resolve([])) {
  const opened: FakeConnection[] = [];
  const open = (): Promise<Connection> => {
    const c: FakeConnection = { id: opened.length + 1, sent: [], ended: false, destroyed: false };
    opened.push(c);
    const conn = {
      query: async ({ sql }: { sql: string }) => {
        c.sent.push(sql);
        return [await answer(sql)];
      },
      on: () => conn,
      destroy: () => {
        c.destroyed = true;
      },
      end: () => {
        c.ended = true;
        return Promise.resolve();
      },
    };
    return Promise.resolve(conn as unknown as Connection);
  };
  return { opened, open };
}

const NO_RETRY = { name: 'test', attempts: 1, initialMs: 1, maxMs: 1 };
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('TidbSessionPool', () => {
  it('runs at most `size` callers at once, each on a session of its own, opening sessions only as callers need them', async () => {
    const server = fakeServer();
    const pool = new TidbSessionPool('tidb:4000', 3, 1000, NO_RETRY, server.open);
    let running = 0;
    let most = 0;
    await Promise.all(Array.from({ length: 10 }, (_, i) => pool.withSession(async (s) => {
      running++;
      most = Math.max(most, running);
      await s.query(`SELECT ${i}`, { call: 't', idempotent: true });
      await tick();
      running--;
    })));
    expect(most).toBe(3);
    expect(server.opened).toHaveLength(3);
    expect(server.opened.flatMap((c) => c.sent).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `SELECT ${i}`).sort());
    // One caller at a time keeps to one session.
    const serial = fakeServer();
    const one = new TidbSessionPool('tidb:4000', 3, 1000, NO_RETRY, serial.open);
    for (let i = 0; i < 4; i++) await one.withSession((s) => s.query('SELECT 1', { call: 't', idempotent: true }));
    expect(serial.opened).toHaveLength(1);
  });

  it('sends USE only where the session is in another database, and always for use()', async () => {
    const server = fakeServer();
    const pool = new TidbSessionPool('tidb:4000', 1, 1000, NO_RETRY, server.open);
    await pool.withSession(async (s) => {
      await s.query('CREATE TABLE a1 (x int)', { call: 't', idempotent: false, db: 'a' });
      await s.query('CREATE TABLE a2 (x int)', { call: 't', idempotent: false, db: 'a' });
      await s.query('CREATE TABLE b1 (x int)', { call: 't', idempotent: false, db: 'b`q' });
      await s.use('b`q', 't');
    });
    expect(server.opened[0]!.sent).toEqual(['USE `a`', 'CREATE TABLE a1 (x int)', 'CREATE TABLE a2 (x int)', 'USE `b``q`', 'CREATE TABLE b1 (x int)', 'USE `b``q`']);
  });

  it('keeps a session TiDB answered with an error, and starts over on a new connection after any other failure', async () => {
    const server = fakeServer(async (sql) => {
      if (sql === 'refused') throw Object.assign(new Error('exists'), { errno: 1050, sqlMessage: "Table 't' already exists" });
      if (sql === 'broken') throw Object.assign(new Error('gone'), { code: 'PROTOCOL_CONNECTION_LOST' });
      return [];
    });
    const pool = new TidbSessionPool('tidb:4000', 1, 1000, NO_RETRY, server.open);
    const refused = pool.withSession((s) => s.query('refused', { call: 'create table t', idempotent: false, db: 'a' }));
    await expect(refused).rejects.toMatchObject({ errno: 1050, call: 'create table t', retryable: false });
    await expect(refused).rejects.toBeInstanceOf(TidbError);
    await pool.withSession((s) => s.query('after refused', { call: 't', idempotent: false, db: 'a' }));
    expect(server.opened).toHaveLength(1);
    expect(server.opened[0]!.sent).toEqual(['USE `a`', 'refused', 'after refused']);
    // A lost connection: not sent again (the statement may have run), the session re-opened and put back in `a`.
    await expect(pool.withSession((s) => s.query('broken', { call: 't', idempotent: false, db: 'a' }))).rejects.toMatchObject({ outcomeUnknown: true });
    expect(server.opened[0]!.destroyed).toBe(true);
    await pool.withSession((s) => s.query('after broken', { call: 't', idempotent: false, db: 'a' }));
    expect(server.opened).toHaveLength(2);
    expect(server.opened[1]!.sent).toEqual(['USE `a`', 'after broken']);
    // A caller's own failure between statements: the session's state is unknown, so it is dropped too.
    await expect(pool.withSession(async (s) => {
      await s.query('SET foreign_key_checks = 0', { call: 't', idempotent: true });
      throw new Error('caller failed');
    })).rejects.toThrow('caller failed');
    expect(server.opened[1]!.destroyed).toBe(true);
  });

  it('never sends a statement that got no answer again itself, but leaves its step retryable; TiDB\'s own refusal is final', async () => {
    let lose = true;
    const server = fakeServer(async (sql) => {
      if (sql.startsWith('CREATE') && lose) throw Object.assign(new Error('gone'), { code: 'PROTOCOL_CONNECTION_LOST' });
      if (sql === 'CREATE TABLE taken (x int)') throw Object.assign(new Error('exists'), { errno: 1050, sqlMessage: "Table 'taken' already exists" });
      return [];
    });
    // A policy that would try each statement 3 times.
    const pool = new TidbSessionPool('tidb:4000', 1, 1000, { name: 'test', attempts: 3, initialMs: 1, maxMs: 1 }, server.open);
    const lost = await pool.withSession((s) => s.query('CREATE TABLE t (x int)', { call: 'create table t', idempotent: false })).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(TidbError);
    // Retryable for the step (its retry finds what the statement made), never re-sent alone by the pool.
    expect(lost).toMatchObject({ outcomeUnknown: true, retryable: true, sendAgain: false });
    expect(server.opened.flatMap((c) => c.sent).filter((q) => q.startsWith('CREATE'))).toEqual(['CREATE TABLE t (x int)']);
    // The same lost answer on a statement safe to send twice: the pool sends it again itself.
    const idem = await pool.withSession((s) => s.query('CREATE TABLE IF NOT EXISTS u (x int)', { call: 'create u', idempotent: true })).catch((e: unknown) => e);
    expect(idem).toMatchObject({ outcomeUnknown: false, retryable: true });
    expect(server.opened.flatMap((c) => c.sent).filter((q) => q.includes(' u '))).toHaveLength(3);
    // An answer from TiDB is no unknown outcome: it fails the step for good, as before.
    lose = false;
    const refused = await pool.withSession((s) => s.query('CREATE TABLE taken (x int)', { call: 'create taken', idempotent: false })).catch((e: unknown) => e);
    expect(refused).toMatchObject({ errno: 1050, outcomeUnknown: false, retryable: false });
  });

  it('close() ends every open session; a later caller opens a new one', async () => {
    const server = fakeServer();
    const pool = new TidbSessionPool('tidb:4000', 2, 1000, NO_RETRY, server.open);
    await Promise.all([1, 2].map(() => pool.withSession(async (s) => {
      await s.query('SELECT 1', { call: 't', idempotent: true });
      await tick();
    })));
    await pool.close();
    expect(server.opened.map((c) => c.ended)).toEqual([true, true]);
    await pool.withSession((s) => s.query('SELECT 2', { call: 't', idempotent: true }));
    expect(server.opened).toHaveLength(3);
  });

  it('refuses a size that is not a positive whole number', () => {
    expect(() => new TidbSessionPool('tidb:4000', 0, 1000, NO_RETRY, fakeServer().open)).toThrow(/pool size 0/);
  });
});
