import { readFileSync } from 'node:fs';

/**
 * TLS material for talking to PD and TiKV, as PEM contents (not paths): the worker config reads the files once
 * (`readTlsFiles`) and every client gets the same bytes. Absent = plain-text connections, as in a test cluster.
 */
export interface TlsOptions {
  /** CA bundle that signed the cluster's certificates. */
  ca: Buffer;
  /** Client certificate, for clusters that require mutual TLS (`security.cert-allowed-cn`). */
  cert?: Buffer;
  /** Private key of `cert`. */
  key?: Buffer;
}

/** Paths as an operator gives them (BR's `--ca`, `--cert`, `--key`). */
export interface TlsPaths {
  ca: string;
  cert?: string;
  key?: string;
}

/** Reads the PEM files once; a missing file is the operator's to fix, so the message names the flag and the path. */
export function readTlsFiles(paths: TlsPaths): TlsOptions {
  const read = (what: string, p: string): Buffer => {
    try {
      return readFileSync(p);
    } catch (e) {
      throw new Error(`TLS ${what} file ${p} cannot be read (${(e as Error).message}); check the --${what} path`);
    }
  };
  if ((paths.cert === undefined) !== (paths.key === undefined)) {
    throw new Error('TLS: --cert and --key go together; give both or neither');
  }
  return {
    ca: read('ca', paths.ca),
    ...(paths.cert !== undefined ? { cert: read('cert', paths.cert) } : {}),
    ...(paths.key !== undefined ? { key: read('key', paths.key) } : {}),
  };
}
