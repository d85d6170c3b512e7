/**
 * PD endpoints as operators write them (`--pd 10.0.1.1:2379,http://10.0.1.2:2379`) and as PD lists its members
 * (`client_urls: ["http://10.0.1.1:2379"]`). gRPC dials host:port; HTTP needs a scheme that follows TLS.
 */
export function pdHostPort(endpoint: string): string {
  const s = endpoint.trim().replace(/^(https?|grpcs?):\/\//, '');
  return s.replace(/\/+$/, '');
}

export function pdHttpBase(endpoint: string, secure: boolean): string {
  return `${secure ? 'https' : 'http'}://${pdHostPort(endpoint)}`;
}

/** Splits a comma-separated `--pd` value; empty entries are dropped. */
export function parsePdEndpoints(value: string | readonly string[]): string[] {
  const parts = typeof value === 'string' ? value.split(',') : value;
  return parts.map((p) => pdHostPort(p)).filter((p) => p.length > 0);
}
