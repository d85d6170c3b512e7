import type { IncomingMessage, ServerResponse } from 'node:http';

/** Small helpers shared by the PD, TiKV-status and admin HTTP handlers. */

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  res.writeHead(code, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Request body, at most 1 MiB (all bodies here are small JSON objects). */
export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    const b = c as Buffer;
    n += b.length;
    if (n > 1 << 20) throw new HttpError(413, 'request body too large');
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export class HttpError extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readBody(req);
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new HttpError(400, `request body is not JSON: ${text.slice(0, 80)}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HttpError(400, 'request body must be a JSON object');
  return v as Record<string, unknown>;
}

/**
 * A query parameter as raw bytes. PD clients put encoded (binary) keys in the query with Go's
 * url.QueryEscape, which URLSearchParams would mangle through UTF-8 decoding.
 */
export function queryBytes(url: string, name: string): Uint8Array | undefined {
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  for (const part of url.slice(q + 1).split('&')) {
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    if (k !== name) continue;
    const v = eq < 0 ? '' : part.slice(eq + 1);
    const out: number[] = [];
    for (let i = 0; i < v.length; i++) {
      const ch = v[i]!;
      if (ch === '%' && i + 2 < v.length && /^[0-9a-fA-F]{2}$/.test(v.slice(i + 1, i + 3))) {
        out.push(parseInt(v.slice(i + 1, i + 3), 16));
        i += 2;
      } else if (ch === '+') out.push(0x20);
      else out.push(...Buffer.from(ch, 'utf8'));
    }
    return new Uint8Array(out);
  }
  return undefined;
}

export function pathAndQuery(req: IncomingMessage): { path: string; query: URLSearchParams } {
  const u = new URL(req.url ?? '/', 'http://localhost');
  return { path: u.pathname.replace(/\/+$/, '') || '/', query: u.searchParams };
}
