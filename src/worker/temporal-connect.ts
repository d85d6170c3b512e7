import type { ConnectionOptions } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { BrflowError, ErrorType } from '../plan/error-types';

/** Where brflow reaches Temporal when nothing says otherwise: a dev server on this host. */
export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

/**
 * How to reach Temporal, as its own tools take it: the profile file (TEMPORAL_CONFIG_FILE, else
 * ~/.config/temporalio/temporal.toml; profile TEMPORAL_PROFILE or `--profile`), overridden by the environment
 * (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS, TEMPORAL_TLS_CLIENT_CERT_PATH,
 * TEMPORAL_TLS_CLIENT_KEY_PATH, TEMPORAL_TLS_SERVER_CA_CERT_PATH, TEMPORAL_TLS_SERVER_NAME, …), overridden
 * by explicit flags. The worker and every brflow command go through here, so they always agree.
 */
export interface TemporalTarget {
  /** For Connection.connect (client) and NativeConnection.connect (worker): the same fields. */
  connection: Pick<ConnectionOptions, 'tls' | 'metadata'> & { address: string; apiKey?: string };
  namespace: string;
}

export interface TemporalFlags {
  address?: string;
  namespace?: string;
  profile?: string;
}

export function temporalTarget(env: Record<string, string | undefined>, flags: TemporalFlags = {}): TemporalTarget {
  let loaded: ReturnType<typeof loadClientConnectConfig>;
  try {
    const defined = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
    loaded = loadClientConnectConfig({ overrideEnvVars: defined, ...(flags.profile ? { profile: flags.profile } : {}) });
  } catch (e) {
    // The loader names the file or profile; it never prints key or certificate contents.
    throw new BrflowError(ErrorType.InvalidInput, `Temporal connection settings: ${(e as Error).message}; check TEMPORAL_CONFIG_FILE / TEMPORAL_PROFILE and the TEMPORAL_TLS_* paths`);
  }
  const c = loaded.connectionOptions;
  return {
    connection: {
      address: flags.address ?? c.address ?? DEFAULT_TEMPORAL_ADDRESS,
      ...(c.tls !== undefined ? { tls: c.tls } : {}),
      ...(c.apiKey !== undefined ? { apiKey: c.apiKey as string } : {}),
      ...(c.metadata !== undefined ? { metadata: c.metadata } : {}),
    },
    namespace: flags.namespace ?? loaded.namespace ?? 'default',
  };
}

/** What a log line may say about the connection: never the API key or certificate contents. */
export function describeTemporalTarget(t: TemporalTarget): string {
  const v = t.connection.tls;
  const tls = v === undefined || v === null || v === false ? 'plaintext' : typeof v === 'object' && v.clientCertPair ? 'mutual TLS' : 'TLS';
  return `${t.connection.address} (${tls}${t.connection.apiKey !== undefined ? ', API key' : ''}), namespace ${t.namespace}`;
}

/**
 * The error for a Temporal frontend that did not answer a connect: its address (never a secret) and the
 * settings that choose it, so a wrong address is one line, not a gRPC stack trace.
 */
export function temporalUnreachable(t: TemporalTarget, e: unknown, hint: string): BrflowError {
  const why = e instanceof Error ? e.message : String(e);
  return new BrflowError(ErrorType.ClusterUnavailable, `cannot reach Temporal at ${describeTemporalTarget(t)} (${why}); ${hint}`);
}
