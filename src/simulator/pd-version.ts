/**
 * The PD version the simulator plays. Its default is the real PD it was measured against (shared/real-parts,
 * test/integration/conformance): behaviour that changed between PD versions is keyed on it.
 */
export const DEFAULT_PD_VERSION = 'v8.5.4';

export function parsePdVersion(v: string): number[] {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(v);
  if (!m) throw new Error(`PD version "${v}" is not like v8.5.4`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

export function versionAtLeast(v: readonly number[], min: readonly number[]): boolean {
  for (let i = 0; i < min.length; i++) {
    const a = v[i] ?? 0;
    const b = min[i]!;
    if (a !== b) return a > b;
  }
  return true;
}
