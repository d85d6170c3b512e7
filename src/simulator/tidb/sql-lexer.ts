import { SqlError } from './sql-error';

/** One lexical token of a statement. `start`/`end` index the original text so parsers can keep raw expressions. */
export interface Token {
  kind: 'word' | 'quoted' | 'string' | 'number' | 'variable' | 'punct' | 'eof';
  /** Identifier or keyword as written (`word`), unquoted name (`quoted`), unescaped value (`string`), the text otherwise. */
  text: string;
  start: number;
  end: number;
}

/**
 * Splits SQL into tokens the way TiDB's lexer sees them: `/*T![feature] … *\/`, `/*T! … *\/` and MySQL's
 * `/*!NNNNN … *\/` are executable comments (their body is lexed as SQL, because SHOW CREATE TABLE hides
 * TiDB-only syntax such as CLUSTERED or AUTO_RANDOM in them); other comments are dropped.
 */
export function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const n = sql.length;
  /** Executable comments open and not yet closed: only then is `*\/` a delimiter rather than two operators. */
  let openExecutable = 0;
  const push = (kind: Token['kind'], text: string, start: number, end: number): void => {
    out.push({ kind, text, start, end });
  };
  while (i < n) {
    const c = sql[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '-' && sql[i + 1] === '-' && (i + 2 >= n || /\s/.test(sql[i + 2] as string))) {
      while (i < n && sql[i] !== '\n') i++;
      continue;
    }
    if (c === '#') {
      while (i < n && sql[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const exec = /^T!(\[[^\]]*\])?|^!\d*/.exec(sql.slice(i + 2));
      if (exec) {
        // Executable comment: skip only its opener and lex the body as SQL; the closing `*\/` is skipped below.
        i += 2 + exec[0].length;
        openExecutable++;
        continue;
      }
      const close = sql.indexOf('*/', i + 2);
      if (close < 0) throw SqlError.syntax(sql, i);
      i = close + 2;
      continue;
    }
    if (c === '*' && sql[i + 1] === '/' && openExecutable > 0) {
      // The end of an executable comment whose body we lexed inline.
      openExecutable--;
      i += 2;
      continue;
    }
    if (c === "'" || c === '"') {
      const start = i;
      let value = '';
      i++;
      for (;;) {
        if (i >= n) throw SqlError.syntax(sql, start);
        const ch = sql[i] as string;
        if (ch === '\\' && i + 1 < n) {
          value += unescape(sql[i + 1] as string);
          i += 2;
        } else if (ch === c && sql[i + 1] === c) {
          value += c;
          i += 2;
        } else if (ch === c) {
          i++;
          break;
        } else {
          value += ch;
          i++;
        }
      }
      push('string', value, start, i);
      continue;
    }
    if (c === '`') {
      const start = i;
      let value = '';
      i++;
      for (;;) {
        if (i >= n) throw SqlError.syntax(sql, start);
        if (sql[i] === '`' && sql[i + 1] === '`') {
          value += '`';
          i += 2;
        } else if (sql[i] === '`') {
          i++;
          break;
        } else {
          value += sql[i];
          i++;
        }
      }
      push('quoted', value, start, i);
      continue;
    }
    if (c === '@') {
      const m = /^@@?(?:`[^`]*`|[A-Za-z0-9_$.]+)/.exec(sql.slice(i));
      if (!m) throw SqlError.syntax(sql, i);
      push('variable', m[0], i, i + m[0].length);
      i += m[0].length;
      continue;
    }
    const num = /^(?:0x[0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)/.exec(sql.slice(i));
    if (num && !/[A-Za-z_$]/.test(sql[i + num[0].length] ?? '')) {
      push('number', num[0], i, i + num[0].length);
      i += num[0].length;
      continue;
    }
    const word = /^[A-Za-z0-9_$\u0080-\uffff]+/.exec(sql.slice(i));
    if (word) {
      push('word', word[0], i, i + word[0].length);
      i += word[0].length;
      continue;
    }
    const two = sql.slice(i, i + 2);
    if (['<=', '>=', '<>', '!=', ':=', '||', '&&', '<<', '>>'].includes(two)) {
      push('punct', two, i, i + 2);
      i += 2;
      continue;
    }
    push('punct', c, i, i + 1);
    i++;
  }
  push('eof', '', n, n);
  return out;
}

function unescape(ch: string): string {
  switch (ch) {
    case 'n':
      return '\n';
    case 't':
      return '\t';
    case 'r':
      return '\r';
    case '0':
      return '\0';
    case 'Z':
      return '\x1a';
    default:
      return ch;
  }
}

/** Splits a text holding several statements at top-level semicolons (strings, names and comments respected). */
export function splitStatements(sql: string): string[] {
  const tokens = tokenize(sql);
  const parts: string[] = [];
  let from = 0;
  for (const t of tokens) {
    if ((t.kind === 'punct' && t.text === ';') || t.kind === 'eof') {
      const text = sql.slice(from, t.start).trim();
      if (text) parts.push(text);
      from = t.end;
    }
  }
  return parts;
}
