/**
 * JSON text as Go's encoding/json writes it for TiDB's structs: like JSON.stringify, but bigint fields are
 * written as exact integer literals (TSOs exceed 2^53, so a JS number would round them).
 */
export function toGoJson(value: unknown): string {
  const marks: string[] = [];
  const text = JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v !== 'bigint') return v;
    marks.push(v.toString());
    return `\u0000big${marks.length - 1}\u0000`;
  });
  return text.replace(/"\\u0000big(\d+)\\u0000"/g, (_m, i: string) => marks[Number(i)]!);
}
