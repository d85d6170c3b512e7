/**
 * Sets of small non-negative integers (batch numbers, group numbers) as compact range text, `0-41,44,46-50`:
 * what a restore's history and activity results carry instead of lists (STYLE.md rule 3). Pure.
 */

/** Formats the numbers (any order, duplicates allowed) as ascending ranges; an empty set is ''. */
export function formatRanges(nums: Iterable<number>): string {
  const sorted = [...new Set(nums)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** Parses what formatRanges wrote; throws on anything else (the text comes from brflow itself). */
export function parseRanges(text: string): number[] {
  if (text === '') return [];
  const out: number[] = [];
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) throw new Error(`number ranges: ${JSON.stringify(part)} is not N or N-M`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw new Error(`number ranges: ${part} runs backwards`);
    for (let n = lo; n <= hi; n++) out.push(n);
  }
  return out;
}
