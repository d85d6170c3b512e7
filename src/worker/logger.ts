import type { LogLevel, LogMetadata, Logger } from '@temporalio/common';
import pino from 'pino';

/** The worker's root logger: JSON lines on stdout, level from config. */
export function createRootLogger(level: string): pino.Logger {
  return pino({ level, base: { service: 'brflow-worker' } });
}

/**
 * Temporal's Logger interface over pino, so SDK, workflow and activity logs (and Rust core logs, when
 * forwarded) land in the same JSON stream with their metadata (workflowId, activityType, …) as fields.
 */
export class PinoTemporalLogger implements Logger {
  constructor(private readonly root: pino.Logger) {}

  log(level: LogLevel, message: string, meta?: LogMetadata): void {
    const fields = (meta ?? {}) as Record<string, unknown>;
    switch (level) {
      case 'TRACE':
        return this.root.trace(fields, message);
      case 'DEBUG':
        return this.root.debug(fields, message);
      case 'INFO':
        return this.root.info(fields, message);
      case 'WARN':
        return this.root.warn(fields, message);
      case 'ERROR':
        return this.root.error(fields, message);
    }
  }

  trace(message: string, meta?: LogMetadata): void {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata): void {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata): void {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata): void {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata): void {
    this.log('ERROR', message, meta);
  }
}
