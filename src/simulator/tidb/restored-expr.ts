import { tokenize } from './sql-lexer';

/**
 * An expression as TiDB stores it after parsing (its "restore" form, e.g. a partition expression): names in
 * backquotes, function names upper-case, no spaces — `year(t)` becomes "YEAR(`t`)" and `id` "`id`" (v8.5.3).
 * TiDB also re-parenthesises operators; this does not, which is enough for expressions that were already in
 * TiDB's form, as those brflow sends (rendered from a backup's TableInfo) are.
 */
export function restoredExpr(text: string): string {
  const tokens = tokenize(text).filter((t) => t.kind !== 'eof');
  return tokens
    .map((t, i) => {
      const next = tokens[i + 1];
      const call = next?.kind === 'punct' && next.text === '(';
      if (t.kind === 'word') return call ? t.text.toUpperCase() : `\`${t.text.replace(/`/g, '``')}\``;
      if (t.kind === 'quoted') return `\`${t.text.replace(/`/g, '``')}\``;
      if (t.kind === 'string') return `'${t.text.replace(/'/g, "''")}'`;
      return t.text;
    })
    .join('');
}

/** Words TiDB restores as lower-case operators/keywords rather than as column names. */
const KEYWORDS = new Set([
  'and', 'or', 'xor', 'not', 'is', 'null', 'true', 'false', 'in', 'between', 'like', 'regexp', 'rlike', 'div', 'mod', 'case', 'when', 'then', 'else',
  'end', 'interval', 'escape', 'binary', 'collate',
]);

const UNARY_AFTER = new Set(['(', ',']);

/**
 * A generated column's expression as TiDB stores it (ColumnInfo.GeneratedExprString, v8.5.3): names in
 * backquotes, function names and keywords lower-case, string literals with the `_utf8mb4` introducer, binary
 * operators between spaces, `, ` between function arguments but `,` inside an IN list, MOD as `%`:
 * `concat(vc, 'z')` → "concat(`vc`, _utf8mb4'z')", `a mod 3` → "`a` % 3". Idempotent on its own output.
 */
export function restoredGeneratedExpr(text: string): string {
  const tokens = tokenize(text).filter((t) => t.kind !== 'eof');
  type Piece = { text: string; kind: 'name' | 'call' | 'keyword' | 'literal' | 'open' | 'close' | 'comma' | 'binary' | 'unary' };
  const pieces: Piece[] = [];
  const parens: ('call' | 'list' | 'group')[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const next = tokens[i + 1];
    const prev = pieces[pieces.length - 1];
    const lower = t.text.toLowerCase();
    if (t.kind === 'word' && next?.kind === 'punct' && next.text === '(' && !KEYWORDS.has(lower)) pieces.push({ text: lower, kind: 'call' });
    else if (t.kind === 'word' && lower.startsWith('_') && next?.kind === 'string') {
      pieces.push({ text: `${lower}'${next.text.replace(/'/g, "\\'")}'`, kind: 'literal' });
      i++;
    } else if (t.kind === 'word' && KEYWORDS.has(lower)) pieces.push(lower === 'mod' ? { text: '%', kind: 'binary' } : { text: lower, kind: 'keyword' });
    else if (t.kind === 'word' || t.kind === 'quoted') pieces.push({ text: `\`${t.text.replace(/`/g, '``')}\``, kind: 'name' });
    else if (t.kind === 'string') pieces.push({ text: `_utf8mb4'${t.text.replace(/'/g, "\\'")}'`, kind: 'literal' });
    else if (t.kind === 'number') pieces.push({ text: t.text, kind: 'literal' });
    else if (t.text === '(') {
      parens.push(prev?.kind === 'call' ? 'call' : prev?.kind === 'keyword' && prev.text === 'in' ? 'list' : 'group');
      pieces.push({ text: '(', kind: 'open' });
    } else if (t.text === ')') {
      parens.pop();
      pieces.push({ text: ')', kind: 'close' });
    } else if (t.text === ',') pieces.push({ text: parens[parens.length - 1] === 'list' ? ',' : ', ', kind: 'comma' });
    else {
      const unary = !prev || prev.kind === 'binary' || prev.kind === 'unary' || prev.kind === 'keyword' || UNARY_AFTER.has(prev.text.trim());
      pieces.push({ text: t.text, kind: unary ? 'unary' : 'binary' });
    }
  }
  let out = '';
  pieces.forEach((p, i) => {
    const prev = pieces[i - 1];
    const tight = !prev || p.kind === 'close' || p.kind === 'comma' || prev.kind === 'open' || prev.kind === 'comma' || prev.kind === 'unary' || (p.kind === 'open' && prev.kind === 'call');
    out += (tight ? '' : ' ') + p.text;
  });
  return out;
}
