import { Context } from '@temporalio/activity';

/**
 * What restores did, as Prometheus counters on the worker's `/metrics` next to Temporal's own, so a dashboard
 * shows restore throughput and checksum outcomes per worker without querying workflows. The SDK tags each
 * sample with namespace, task queue and activity type; a worker without a metrics endpoint records nothing.
 * They count work done: a retried activity's repeated ranges or checksums count again.
 */
export function ingestCounters(): { rangeDone(files: number, bytes: number): void } {
  const meter = Context.current().metricMeter;
  const files = meter.createCounter('brflow_ingested_files', 'files', 'Backup files downloaded and ingested');
  const bytes = meter.createCounter('brflow_ingested_bytes', 'bytes', 'KV bytes of the backup files ingested');
  return {
    rangeDone(n, b) {
      files.add(n);
      bytes.add(b);
    },
  };
}

/** Tables whose checksum was compared with the backup's, by result (ok / mismatch). */
export function checksumCounters(): { compared(ok: number, mismatched: number): void } {
  const tables = Context.current().metricMeter.createCounter('brflow_tables_checksummed', 'tables', 'Tables checksummed against the backup, by result');
  return {
    compared(ok, mismatched) {
      if (ok > 0) tables.add(ok, { result: 'ok' });
      if (mismatched > 0) tables.add(mismatched, { result: 'mismatch' });
    },
  };
}
