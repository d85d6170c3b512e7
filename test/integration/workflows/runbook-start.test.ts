import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import { execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { makeBackup } from '../../../src/backup/generator/make-backup';
import { openStorage } from '../../../src/backup/open-storage';
import { readManifest } from '../../../src/backup/read-manifest';
import type { S3Storage } from '../../../src/backup/s3-storage';
import { ensureTool } from '../../../src/local-stack/tools';
import { clusterNormality, expectedNormality, recordedChecksums, restoredChecksums, startSimCluster, type SimCluster } from '../../support/sim-cluster';
import { testS3Endpoint, testTemporalAddress } from '../../support/env';
import { startCliWorker } from '../../support/run-cli';

/**
 * The operator's runbook path, as the README gives it: a `brflow worker` process serving the cluster, and
 * the restore started with the real `temporal workflow start` CLI line, from a backup on S3 whose credentials
 * only the worker's environment holds. Asserts what an operator would check: the data (per-table checksums
 * read from the simulated TiKV regions equal backupmeta's), the cluster handed back, no secret in history.
 */
const run = promisify(execFile);

let cluster: SimCluster;
let worker: ChildProcess | undefined;
const bucket = `runbook-${Date.now()}`;

beforeAll(async () => {
  const endpoint = testS3Endpoint();
  const admin = new S3Client({ endpoint, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  admin.destroy();
  cluster = await startSimCluster();
});

afterAll(async () => {
  if (worker && worker.exitCode === null) worker.kill('SIGKILL');
  await cluster?.sim.stop();
});

test('the README runbook line (`temporal workflow start …`) restores an S3 backup through a brflow worker', async () => {
  const address = testTemporalAddress();
  const endpoint = testS3Endpoint();
  const storage = `s3://${bucket}/nightly?endpoint=${endpoint}&force-path-style=true`;
  const backup = openStorage(storage);
  await makeBackup(backup, { seed: 11, tables: 8, rows: 30, metaVersion: 2, compression: 'zstd', incremental: false, withSysTables: false });
  const manifest = await readManifest(backup);
  (backup as Partial<S3Storage>).close?.();

  const taskQueue = `runbook-${Date.now()}`;
  worker = startCliWorker({ address, taskQueue, sim: cluster.sim }).child;

  // The README's line, with this test's address, queue and storage; short timings so the test runs in seconds.
  const workflowId = `restore-nightly-${taskQueue}`;
  const input = JSON.stringify({ storage, filters: ['shop.*', '!shop.tmp_*'], timings: { keeperIntervalMs: 500, gcTtlSec: 30, pauseTtlSec: 30, heartbeatTimeoutMs: 5000 } });
  const temporal = ensureTool('temporal');
  await run(temporal, ['workflow', 'start', '--address', address, '--type', 'restoreWorkflow', '--task-queue', taskQueue, '--workflow-id', workflowId, '--input', input]);

  const connection = await Connection.connect({ address });
  try {
    const handle = new Client({ connection }).workflow.getHandle(workflowId);
    await handle.result();

    const shop = manifest.tables.filter((t) => t.db === 'shop' && !t.name.startsWith('tmp_'));
    expect(shop.length).toBeGreaterThan(1);
    const restored = await restoredChecksums(cluster, shop);
    expect(restored).toEqual(recordedChecksums(shop));
    expect(clusterNormality(cluster.sim)).toEqual(expectedNormality(cluster));

    // The worker read S3 with its own environment's credentials; none of them reached the history.
    const history = JSON.stringify(await handle.fetchHistory());
    expect(history).not.toContain(process.env.AWS_SECRET_ACCESS_KEY!);
    expect(history).not.toMatch(/secret|access[-_]?key/i);
  } finally {
    await connection.close();
  }
});
