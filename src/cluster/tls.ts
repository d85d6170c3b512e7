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

/** Names of the three variables (or fields) that carry one TLS setting, for messages. */
export interface TlsFieldNames {
  ca: string;
  cert: string;
  key: string;
}

/**
 * Reads BR-style TLS paths from `values` (environment variables or input fields named by `names`) and
 * collects every problem into `problems`, each naming the variable and the fix. Returns undefined when
 * no CA is given (plain text) or when anything is wrong. File contents are never put in a message.
 */
export function readTlsSetting(
  values: { ca?: string | undefined; cert?: string | undefined; key?: string | undefined },
  names: TlsFieldNames,
  problems: string[],
): TlsOptions | undefined {
  const given = (v: string | undefined): v is string => v !== undefined && v !== '';
  const { ca, cert, key } = values;
  const before = problems.length;
  if (!given(ca)) {
    if (given(cert) || given(key)) problems.push(`${names.cert}/${names.key} need ${names.ca} too; give the CA that signed the cluster's certificates`);
    return undefined;
  }
  if (given(cert) !== given(key)) problems.push(`${names.cert} and ${names.key} go together: give both for mutual TLS, or neither for server-verified TLS`);
  const read = (name: string, p: string, marker: RegExp, what: string): Buffer | undefined => {
    let b: Buffer;
    try {
      b = readFileSync(p);
    } catch (e) {
      problems.push(`${name}: cannot read ${p} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give the path of a PEM file readable by the worker`);
      return undefined;
    }
    if (!marker.test(b.toString('latin1'))) problems.push(`${name}: ${p} holds no PEM ${what}; give a PEM file (-----BEGIN ...-----)`);
    return b;
  };
  const caPem = read(names.ca, ca, /-----BEGIN CERTIFICATE-----/, 'certificate');
  const certPem = given(cert) ? read(names.cert, cert, /-----BEGIN CERTIFICATE-----/, 'certificate') : undefined;
  const keyPem = given(key) ? read(names.key, key, /-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'private key') : undefined;
  if (problems.length > before || !caPem) return undefined;
  return { ca: caPem, ...(certPem && keyPem ? { cert: certPem, key: keyPem } : {}) };
}
