import { setTimeout as sleep } from 'node:timers/promises';
import { ErrNo, SqlError } from './sql-error';

/** One scripted fault: statements matching `match` get delayed and/or fail, `times` times. */
export interface TidbFaultRule {
  match: RegExp;
  /** Answer this error instead of (before) or after executing the statement. */
  error?: { errno: number; message: string };
  /**
   * 'before': the statement is refused and changes nothing. 'after': it takes effect and then the client
   * gets the error, like a DDL that committed while the connection timed out: the case retries must survive.
   * @default 'before'
   */
  when?: 'before' | 'after';
  delayMs?: number;
  /** How many matching statements the rule hits. @default 1 */
  times?: number;
}

/** The fault/latency hook of the TiDB front; tests script DDL failures through it. */
export class TidbFaults {
  private rules: (TidbFaultRule & { left: number })[] = [];
  private statusRules: { match: RegExp; status: number; left: number }[] = [];
  /** Statements a rule hit, for tests to see what was refused. */
  readonly hits: string[] = [];

  /** Fails the next `times` statements matching `match` with a TiDB error (default: 1105 "injected fault"). */
  failDdl(match: RegExp, opts: Omit<TidbFaultRule, 'match'> = {}): void {
    this.add({ error: { errno: ErrNo.Unknown, message: `injected fault for ${match.source}` }, ...opts, match });
  }

  /** Delays matching statements (to test client deadlines). */
  delay(match: RegExp, delayMs: number, times = Number.MAX_SAFE_INTEGER): void {
    this.add({ match, delayMs, times });
  }

  add(rule: TidbFaultRule): void {
    this.rules.push({ ...rule, left: rule.times ?? 1 });
  }

  /** Answers the next `times` status-API requests whose path matches with this HTTP status (default 500). */
  failStatus(match: RegExp, status = 500, times = 1): void {
    this.statusRules.push({ match, status, left: times });
  }

  /** The scripted HTTP status for a status-API path, if a rule hits it. */
  statusFault(path: string): number | undefined {
    const rule = this.statusRules.find((r) => r.left > 0 && r.match.test(path));
    if (!rule) return undefined;
    rule.left--;
    this.hits.push(`GET ${path}`);
    return rule.status;
  }

  clear(): void {
    this.rules = [];
    this.statusRules = [];
  }

  /** Runs the statement through the rules: waits, refuses, or executes and then fails. */
  async run<T>(sql: string, execute: () => T): Promise<T> {
    const rule = this.rules.find((r) => r.left > 0 && r.match.test(sql));
    if (!rule) return execute();
    rule.left--;
    this.hits.push(sql);
    if (rule.delayMs) await sleep(rule.delayMs);
    if (!rule.error) return execute();
    const err = new SqlError(rule.error.errno, rule.error.message);
    if (rule.when === 'after') execute();
    throw err;
  }
}
