import { SqlError } from '../../src/simulator/tidb/sql-error';

/** The SqlError `f` throws, for asserting on its errno and message; any other error propagates, none fails the test. */
export function sqlErrorOf(f: () => void): SqlError {
  try {
    f();
  } catch (e) {
    if (e instanceof SqlError) return e;
    throw e;
  }
  throw new Error('expected a SqlError');
}
