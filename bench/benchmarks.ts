import type { Benchmark } from './benchmark';
import { checksumBench } from './checksum.bench';
import { importBench } from './import.bench';
import { planRestoreBench } from './plan-restore.bench';
import { readManifestBench } from './read-manifest.bench';
import { restoreWorkflowBench } from './restore-workflow.bench';
import { scaleBench } from './scale.bench';
import { sstBench } from './sst.bench';

/** Every benchmark `npm run bench` runs, in this order. */
export const BENCHMARKS: readonly Benchmark[] = [planRestoreBench, readManifestBench, sstBench, checksumBench, importBench, restoreWorkflowBench, scaleBench];
