/**
 * The worker's V8 old-space bound, MiB: the Dockerfile sets it in NODE_OPTIONS and the scale bench starts its
 * measured `brflow worker` with the same flag, so the bench measures the configuration that is deployed.
 *
 * Why 384: issue #12 holds a worker restoring 10,000 tables / ~100,000 files to 512 MiB of RSS. Beside the
 * heap a worker holds ~100 MiB that no heap flag bounds (Temporal's Rust core, gRPC and socket buffers, code,
 * the young generation), and V8 lets the old space fill with garbage up to its bound before a full collection:
 * a 1 GiB bound grows the process past 512 MiB on a large restore although its live heap is ~150–300 MiB.
 * The scale bench restored 10,000 tables / 89,984 files (planning included: the whole manifest on the heap
 * for a moment) under this bound at a peak RSS of 500 MiB. A much larger backup needs a higher bound, and the
 * memory to go with it.
 */
export const WORKER_MAX_OLD_SPACE_MIB = 384;

/** NODE_OPTIONS for a worker process. */
export const WORKER_NODE_OPTIONS = `--max-old-space-size=${WORKER_MAX_OLD_SPACE_MIB}`;
