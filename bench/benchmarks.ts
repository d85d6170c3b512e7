import type { Benchmark } from './benchmark';
import { planRestoreBench } from './plan-restore.bench';
import { readManifestBench } from './read-manifest.bench';

/** Every benchmark `npm run bench` runs, in this order. */
export const BENCHMARKS: readonly Benchmark[] = [planRestoreBench, readManifestBench];
