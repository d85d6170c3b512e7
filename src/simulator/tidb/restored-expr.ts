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
