import type { Benchmark } from './benchmark';
import { checksumBench } from './checksum.bench';
import { dispatchBench } from './dispatch.bench';
import { createTablesBench } from './create-tables.bench';
import { importBench } from './import.bench';
import { overheadBench } from './overhead.bench';
import { planRestoreBench } from './plan-restore.bench';
import { readManifestBench } from './read-manifest.bench';
import { recoveryBench } from './recovery.bench';
import { restoreWorkflowBench } from './restore-workflow.bench';
import { scaleBench } from './scale.bench';
import { sstBench } from './sst.bench';

/** Every benchmark `npm run bench` runs, in this order. */
export const BENCHMARKS: readonly Benchmark[] = [planRestoreBench, readManifestBench, sstBench, checksumBench, importBench, createTablesBench, restoreWorkflowBench, overheadBench, dispatchBench, recoveryBench, scaleBench];
