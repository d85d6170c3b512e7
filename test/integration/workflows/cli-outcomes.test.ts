import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { restoreWorkflow } from '../../../src/workflows/restore';
import { TERMINATED_ACTION } from '../../../src/cli/commands/restore-outcome';
import { ERROR_GUIDE } from '../../../src/plan/error-guide';
import { ErrorType } from '../../../src/plan/error-types';
import { testTemporalAddress } from '../../support/env';
import { FAST_TIMINGS, openRestoreEnv, type RestoreEnvWithBackup } from '../../support/restore-env';
import { clusterNormality, expectedNormality } from '../../support/sim-cluster';
import { runCli } from '../../support/run-cli';

/**
 * `brflow status` and `brflow cancel` tell the truth about how a restore ended: the failure's type, message and
 * what to do; a terminated restore is never said to have handed the cluster back.
 */

const run = (args: string[]) => runCli([...args, '--address', testTemporalAddress()]);

let env: RestoreEnvWithBackup;
beforeAll(async () => {
  env = await openRestoreEnv({ prefix: 'cli-outcomes', backup: { seed: 31, tables: 4, rows: 40, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false } });
});
afterAll(() => env?.close());

test('status of a failed restore shows its type, message and the README action; of an invalid input, the problems', async () => {
  await env.withCluster(async (_c, taskQueue) => {
    const failed = `outcome-failed-${taskQueue}`;
    await env.client.workflow.execute(restoreWorkflow, { taskQueue, workflowId: failed, args: [{ storage: `local://${env.dir}`, filters: ['nope.*'], timings: FAST_TIMINGS }] }).catch(() => undefined);
    const st = await run(['status', failed]);
    expect(st.code).toBe(0);
    expect(st.stdout).toContain(`${failed}: FAILED`);
    expect(st.stdout).toMatch(/^failure: Brflow:Plan:FilterTargetMissing: filters \["nope\.\*"\] select nothing/m);
    expect(st.stdout).toContain(`what to do: ${ERROR_GUIDE[ErrorType.FilterTargetMissing].action}`);
    expect(st.stdout).toContain('cluster: handed back');
    // Its input is what failed: continuing it would fail the same way.
    expect(st.stdout).not.toContain('continue it:');

    const invalid = `outcome-invalid-${taskQueue}`;
    await env.client.workflow.execute(restoreWorkflow, { taskQueue, workflowId: invalid, args: [{ storage: `local://${env.dir}`, concurrency: -3 } as never] }).catch(() => undefined);
    const js = await run(['status', invalid, '--json']);
    expect(js.code).toBe(0);
    const parsed = JSON.parse(js.stdout) as { status: string; failure: { type: string; message: string }; action: string; progressUnavailable?: string };
    expect(parsed.status).toBe('FAILED');
    expect(parsed.failure.type).toBe(ErrorType.InvalidInput);
    expect(parsed.failure.message).toContain('concurrency');
    expect(parsed.action).toBe(ERROR_GUIDE[ErrorType.InvalidInput].action);
    expect(js.stdout).not.toMatch(/did not register a handler/);
    expect(parsed).not.toHaveProperty('resume');
  });
});

test('a restore that failed on the cluster: status says to continue it with --resume and its ID, and that command finishes it', async () => {
  await env.withCluster(async (c, taskQueue) => {
    const failed = `outcome-unavailable-${taskQueue}`;
    // TiKV refuses import mode for longer than a small retry budget: ClusterUnavailable, after the tables exist.
    c.sim.faults.injectUnavailable({ rpc: 'SwitchMode', detail: 'Import', count: 1_000_000 });
    const input = { storage: `local://${env.dir}`, timings: { ...FAST_TIMINGS, retries: { pdRequest: { maximumAttempts: 2, initialIntervalMs: 100, maximumIntervalMs: 100 } } } };
    // Started and followed as an operator does: its error ends with how to continue it.
    const inputFile = join(env.dir, `${failed}.json`);
    await writeFile(inputFile, JSON.stringify(input));
    const followed = await run(['restore', '--input', inputFile, '--workflow-id', failed, '--task-queue', taskQueue]);
    expect(followed.code).not.toBe(0);
    expect(followed.stderr).toMatch(new RegExp(`restore ${failed} failed: .*SwitchMode.*\\[Brflow:Cluster:Unavailable\\]; continue it: brflow restore --resume ${failed}$`, 'm'));
    const st = await run(['status', failed]);
    expect(st.stdout).toMatch(/^failure: Brflow:Cluster:Unavailable: .*SwitchMode/m);
    expect(st.stdout).toContain(`what to do: bring the component back, then continue it: \`brflow restore --resume ${failed}\` keeps`);
    // Named once: the advice already ends in the command, so no second line repeats it.
    expect(st.stdout.split(`brflow restore --resume ${failed}`)).toHaveLength(2);
    expect((JSON.parse((await run(['status', failed, '--json'])).stdout) as { resume?: string }).resume).toBe(`brflow restore --resume ${failed}`);

    // The operator brings TiKV back and runs what status said (on this worker's queue).
    c.sim.faults.clear();
    const resumed = await run(['restore', '--resume', failed, '--workflow-id', `${failed}-2`, '--task-queue', taskQueue]);
    expect(resumed.stderr + resumed.stdout).toMatch(/restored 4 tables/);
    expect(resumed.code).toBe(0);
    expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
  });
}, 120_000);

test('cancel: a running restore ends CANCELLED with the cluster handed back; a terminated one is said NOT to be', async () => {
  await env.withCluster(async (c, taskQueue) => {
    c.sim.faults.addLatency({ rpc: 'Download', ms: 400 });
    const running = `outcome-cancel-${taskQueue}`;
    // Started and followed by `brflow restore`, cancelled from another terminal.
    const inputFile = join(env.dir, `${running}.json`);
    await writeFile(inputFile, JSON.stringify({ storage: `local://${env.dir}`, timings: FAST_TIMINGS }));
    const following = run(['restore', '--input', inputFile, '--workflow-id', running, '--task-queue', taskQueue]);
    const h = env.client.workflow.getHandle(running);
    for (let i = 0; i < 200 && c.sim.inspector.snapshot().stores.every((s) => s.mode !== 'Import'); i++) await new Promise((r) => setTimeout(r, 100));
    const cancelled = await run(['cancel', running]);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toContain(`${running}: CANCELLED`);
    expect(cancelled.stdout).toContain('cluster: handed back');
    expect(cancelled.stdout).toContain(`continue it: brflow restore --resume ${running} (`);
    expect((await h.describe()).status.name).toBe('CANCELLED');
    const followed = await following;
    expect(followed.code).not.toBe(0);
    expect(followed.stderr).toMatch(new RegExp(`restore ${running} failed: .*; continue it: brflow restore --resume ${running}$`, 'm'));
    expect(clusterNormality(c.sim)).toEqual(expectedNormality(c));
  });
  // A fresh cluster: the cancelled restore's tables hold rows, which a second restore of them would be refused for.
  await env.withCluster(async (c, taskQueue) => {
    c.sim.faults.addLatency({ rpc: 'Download', ms: 400 });
    const killed = `outcome-terminated-${taskQueue}`;
    const k = await env.client.workflow.start(restoreWorkflow, { taskQueue, workflowId: killed, args: [{ storage: `local://${env.dir}`, timings: FAST_TIMINGS }] });
    for (let i = 0; i < 300 && c.sim.inspector.snapshot().stores.every((s) => s.mode !== 'Import'); i++) await new Promise((r) => setTimeout(r, 100));
    await k.terminate('operator pressed the wrong button');
    const after = await run(['cancel', killed]);
    expect(after.code).toBe(0);
    expect(after.stdout).toContain(`${killed} is not running, nothing to cancel`);
    expect(after.stdout).toContain('cluster: NOT handed back');
    expect(after.stdout).toContain(TERMINATED_ACTION);
    expect(after.stdout).not.toContain('cluster: handed back');
    expect(after.stdout).toContain(`continue it: brflow restore --resume ${killed} (`);
    // And it is true: the terminated run left the stores in import mode.
    expect(c.sim.inspector.snapshot().stores.some((s) => s.mode === 'Import')).toBe(true);
  });
});
