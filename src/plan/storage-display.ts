/**
 * How a storage URL is shown where it outlives the command that took it (memos, listings, messages): pure string
 * work, so the workflow uses it too.
 */

/** The S3 options brflow takes in a storage URL; none of them can hold a credential. */
export const S3_PARAMS = ['endpoint', 'region', 'force-path-style'] as const;
export type S3Param = (typeof S3_PARAMS)[number];

/** Whether a query parameter is one of the S3 options brflow takes, none of which can hold a credential. */
export function isKnownS3Param(rawKey: string): boolean {
  let key: string;
  try {
    key = decodeURIComponent(rawKey);
  } catch {
    return false;
  }
  return (S3_PARAMS as readonly string[]).includes(key.toLowerCase().replace(/^s3\./, '').replace(/_/g, '-'));
}

/**
 * The storage URL as memos, listings and logs carry it: userinfo, fragment and every query parameter other
 * than brflow's S3 options (endpoint, region, force-path-style) removed, so nothing that could hold a
 * credential is repeated, whatever the input held. Pure string work (the workflow uses it).
 */
export function storageUrlForDisplay(url: string): string {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#]*@)?/.exec(url);
  if (!scheme) return url.replace(/[?#].*$/s, '');
  const rest = url.slice(scheme[0].length).replace(/#.*$/s, '');
  const q = rest.indexOf('?');
  const base = scheme[1] + (q < 0 ? rest : rest.slice(0, q));
  if (q < 0) return base;
  const kept = rest
    .slice(q + 1)
    .split('&')
    .filter((part) => {
      const eq = part.indexOf('=');
      return eq > 0 && isKnownS3Param(part.slice(0, eq)) && !part.includes('@');
    });
  return kept.length === 0 ? base : `${base}?${kept.join('&')}`;
}
