import { Command } from 'commander';
import { planJson, register, runPlanCommand } from '../../../src/cli/commands/plan';
import { ErrorType } from '../../../src/plan/error-types';
import { realBrDir } from './real-manifests';

// `brflow plan` (src/cli/commands/plan.ts); its test lives with the planner it drives.
describe('brflow plan', () => {
  it('prints a table for the real tpcc backup: 9 tables, 0 files', async () => {
    let out = '';
    await runPlanCommand(realBrDir('v1-tpcc'), {}, (s) => (out += s));
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toBe('backup: cluster 7211076907329653533, full at 440689413714870273');
    expect(lines[1]).toMatch(/^plan [0-9a-f]{16}: 1 databases, 9 tables, 0 files, 0 B \(0 B of SST\), 0 kvs, 0 ranges, 0 batches$/);
    expect(lines[3]).toBe('DATABASE  TABLE       FILES  SIZE  KVS  RANGES  BATCHES');
    expect(lines.slice(4).map((l) => l.split(/\s+/).slice(0, 2).join('.'))).toEqual([
      'tpcc.customer', 'tpcc.district', 'tpcc.history', 'tpcc.item', 'tpcc.new_order', 'tpcc.order_line', 'tpcc.orders', 'tpcc.stock', 'tpcc.warehouse', 'TOTAL.9',
    ]);
  });

  it('prints JSON for the v2 backup through the commander wiring, honouring filters', async () => {
    let out = '';
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      out += String(s);
      return true;
    });
    try {
      const program = new Command('brflow').exitOverride();
      register(program);
      await program.parseAsync(['node', 'brflow', 'plan', `local://${realBrDir('v2-500tables')}`, '-f', 'test.test1?', '-f', '!test.test15', '--json']);
    } finally {
      spy.mockRestore();
    }
    const json = JSON.parse(out) as ReturnType<typeof planJson> & { summary: { tables: number; files: number }; tables: { table: string }[] };
    expect(json.summary.tables).toBe(9);
    expect(json.summary.files).toBe(0);
    expect(json.tables.map((t) => t.table)).toEqual(['test10', 'test11', 'test12', 'test13', 'test14', 'test16', 'test17', 'test18', 'test19']);
  });

  it('fails with BR wording for a database the backup lacks', async () => {
    await expect(runPlanCommand(realBrDir('v1-tpcc'), { db: 'nope' }, () => undefined)).rejects.toMatchObject({
      type: ErrorType.FilterTargetMissing,
      message: expect.stringMatching(/^\[database: `nope`\] has not been backup/),
    });
  });
});
