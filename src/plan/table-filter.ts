import { BrflowError, ErrorType } from './error-types';

/**
 * TiDB's table-filter syntax (pingcap/tidb-tools pkg/table-filter, docs.pingcap.com/tidb/stable/table-filter),
 * the language of BR's `-f/--filter`:
 *
 * - a rule is `schema.table`; each part is a literal, a wildcard (`*`, `?`, `[a-z]`, `[!a-z]`), a
 *   backquoted or double-quoted identifier (the quote doubled inside), or a `/regexp/`;
 * - `\` escapes a special character (`\` before a letter/digit or at the end is reserved → error);
 * - `!` at the start excludes; the LAST rule that matches decides; nothing matches → rejected;
 * - blank lines and `#` comments are ignored; leading/trailing spaces and tabs are trimmed.
 *
 * The parsed filter is plain JSON (regexp sources, not RegExp objects) so it can sit inside a plan or a
 * workflow input. Matching is case-insensitive unless asked otherwise (BR's `--case-sensitive` is false).
 */
export interface TableFilter {
  rules: FilterRule[];
  caseSensitive: boolean;
}

export interface FilterRule {
  /** The rule text as given (trimmed), for messages. */
  text: string;
  positive: boolean;
  schema: NamePattern;
  table: NamePattern;
}

/** A literal name, or an anchored JS regexp source (wildcards are compiled to one). */
export type NamePattern = { kind: 'literal'; value: string } | { kind: 'regexp'; source: string; matchesAll: boolean };

/** A filter rule the parser rejected: which rule (1-based), where in it (0-based char index), and why. */
export interface FilterParseError {
  rule: number;
  text: string;
  position: number;
  reason: string;
}

/**
 * Schemas BR leaves out of `restore full` unless a rule names them (BR cmd/br/cmd.go filterOutSysAndMemTables,
 * research §1.1 step 9). `mysql` is stored as `__TiDB_BR_Temporary_mysql` and matched under its real name.
 */
export const SYSTEM_SCHEMAS: readonly string[] = ['mysql', 'sys', 'information_schema', 'performance_schema', 'metrics_schema', 'inspection_schema'];

/** The name prefix BR gives system databases in a backup (pkg/utils/schema.go temporaryDBNamePrefix). */
export const TEMPORARY_DB_PREFIX = '__TiDB_BR_Temporary_';

/** BR's default `--filter` for `restore full`. */
export const DEFAULT_RESTORE_FILTER: readonly string[] = [
  '*.*',
  `!${TEMPORARY_DB_PREFIX}*.*`,
  ...SYSTEM_SCHEMAS.map((s) => `!${s}.*`),
];

class ParseFailure {
  constructor(readonly position: number, readonly reason: string) {}
}

const IDENT_RE = /[0-9a-zA-Z$_]/;

function isIdentChar(c: string): boolean {
  return IDENT_RE.test(c) || c.codePointAt(0)! >= 0x80;
}

function isAsciiAlnum(c: string): boolean {
  return /^[0-9a-zA-Z]$/.test(c);
}

function escapeRegexpChar(c: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? `\\${c}` : c;
}

/** Parses one pattern starting at `pos`; returns it and the index just after it. */
function parsePattern(line: string, pos: number): { pattern: NamePattern; end: number } {
  if (pos >= line.length) throw new ParseFailure(pos, 'missing pattern');
  const first = line[pos]!;
  if (first === '`' || first === '"') {
    let i = pos + 1;
    let name = '';
    for (;;) {
      if (i >= line.length) throw new ParseFailure(pos, 'incomplete quoted identifier (no closing quote)');
      const c = line[i]!;
      if (c === first) {
        if (line[i + 1] === first) {
          name += first;
          i += 2;
          continue;
        }
        break;
      }
      name += c;
      i++;
    }
    if (name === '') throw new ParseFailure(pos, 'empty quoted identifier');
    return { pattern: { kind: 'literal', value: name }, end: i + 1 };
  }
  if (first === '/') {
    let i = pos + 1;
    let src = '';
    while (i < line.length && line[i] !== '/') {
      if (line[i] === '\\' && i + 1 < line.length) {
        src += line.slice(i, i + 2);
        i += 2;
      } else {
        src += line[i];
        i++;
      }
    }
    if (i >= line.length || src === '') throw new ParseFailure(pos, 'incomplete regexp (no closing /)');
    try {
      new RegExp(src, 'su');
    } catch (e) {
      throw new ParseFailure(pos, `invalid regexp: ${(e as Error).message}`);
    }
    // Like the Go filter, a regexp matches when it finds a substring: it is not anchored.
    return { pattern: { kind: 'regexp', source: src, matchesAll: false }, end: i + 1 };
  }
  return parseWildcard(line, pos);
}

function parseWildcard(line: string, pos: number): { pattern: NamePattern; end: number } {
  let literal = '';
  let re = '';
  let isLiteral = true;
  let i = pos;
  while (i < line.length) {
    const c = String.fromCodePoint(line.codePointAt(i)!);
    if (c === '.') break;
    if (c === '\\') {
      if (i + 1 >= line.length) throw new ParseFailure(i, 'cannot place \\ at the end of a rule (use [ ] to match a trailing space)');
      const esc = String.fromCodePoint(line.codePointAt(i + 1)!);
      if (isAsciiAlnum(esc)) throw new ParseFailure(i, `cannot escape a letter or digit (\\${esc}); it is reserved`);
      literal += esc;
      re += escapeRegexpChar(esc);
      i += 1 + esc.length;
    } else if (c === '*') {
      isLiteral = false;
      re += '.*';
      i++;
    } else if (c === '?') {
      isLiteral = false;
      re += '.';
      i++;
    } else if (c === '[') {
      isLiteral = false;
      const close = parseCharClass(line, i);
      re += close.re;
      i = close.end;
    } else if (isIdentChar(c)) {
      literal += c;
      re += escapeRegexpChar(c);
      i += c.length;
    } else {
      throw new ParseFailure(i, `unexpected special character '${c}' (escape it with \\ or quote the name with backquotes)`);
    }
  }
  if (i === pos) throw new ParseFailure(pos, 'missing pattern');
  if (isLiteral) return { pattern: { kind: 'literal', value: literal }, end: i };
  return { pattern: { kind: 'regexp', source: `^(?:${re})$`, matchesAll: re === '.*' }, end: i };
}

/** `[...]`, `[!...]`; `[^` is literal `^` as in fnmatch; `\x` escapes a non-alphanumeric character. */
function parseCharClass(line: string, pos: number): { re: string; end: number } {
  let i = pos + 1;
  let negate = false;
  if (line[i] === '!') {
    negate = true;
    i++;
  }
  let body = '';
  const bodyStart = i;
  while (i < line.length && line[i] !== ']') {
    const c = line[i]!;
    if (c === '\\') {
      const esc = line[i + 1];
      if (esc === undefined || isAsciiAlnum(esc)) throw new ParseFailure(pos, 'failed to parse character class');
      body += `\\${esc}`;
      i += 2;
    } else {
      body += c === '^' && i === bodyStart ? '\\^' : c === '[' ? '\\[' : c;
      i++;
    }
  }
  if (i >= line.length || i === bodyStart) throw new ParseFailure(pos, 'failed to parse character class');
  try {
    new RegExp(`[${body}]`, 'u');
  } catch {
    throw new ParseFailure(pos, 'invalid character class');
  }
  return { re: `[${negate ? '^' : ''}${body}]`, end: i + 1 };
}

function parseRule(raw: string): FilterRule | undefined {
  // Offsets in errors are relative to the untrimmed text, so count the leading blanks.
  const lead = raw.length - raw.replace(/^[ \t]+/, '').length;
  const line = raw.replace(/^[ \t]+|[ \t]+$/g, '');
  if (line === '' || line.startsWith('#')) return undefined;
  let i = 0;
  let positive = true;
  if (line[0] === '!') {
    positive = false;
    i = 1;
  }
  if (line[0] === '@') throw new ParseFailure(lead, 'importing filter files (@file) is not supported; pass each rule with --filter');
  try {
    const s = parsePattern(line, i);
    if (s.end >= line.length) throw new ParseFailure(s.end, 'missing table pattern (write db.table, e.g. db.* )');
    if (line[s.end] !== '.') throw new ParseFailure(s.end, "missing '.' between schema and table patterns");
    const t = parsePattern(line, s.end + 1);
    if (t.end !== line.length) throw new ParseFailure(t.end, 'stray characters after table pattern');
    return { text: line, positive, schema: s.pattern, table: t.pattern };
  } catch (e) {
    if (e instanceof ParseFailure) throw new ParseFailure(e.position + lead, e.reason);
    throw e;
  }
}

/** Parses rules, collecting every bad rule instead of stopping at the first. */
export function tryParseTableFilter(
  rules: readonly string[],
  opts: { caseSensitive?: boolean } = {},
): { value: TableFilter } | { errors: FilterParseError[] } {
  const parsed: FilterRule[] = [];
  const errors: FilterParseError[] = [];
  rules.forEach((text, idx) => {
    try {
      const r = parseRule(text);
      if (r) parsed.push(r);
    } catch (e) {
      if (!(e instanceof ParseFailure)) throw e;
      errors.push({ rule: idx + 1, text, position: e.position, reason: e.reason });
    }
  });
  if (errors.length > 0) return { errors };
  return { value: { rules: parsed, caseSensitive: opts.caseSensitive ?? false } };
}

/** One line per problem: `filter rule 2 "a%b.c": unexpected special character '%' at position 1 (…)`. */
export function formatFilterError(e: FilterParseError): string {
  return `filter rule ${e.rule} ${JSON.stringify(e.text)}: ${e.reason} at position ${e.position}`;
}

/** Parses or throws BrflowError(InvalidInput) listing every bad rule. */
export function parseTableFilter(rules: readonly string[], opts: { caseSensitive?: boolean } = {}): TableFilter {
  const r = tryParseTableFilter(rules, opts);
  if ('errors' in r) throw new BrflowError(ErrorType.InvalidInput, r.errors.map(formatFilterError).join('; '));
  return r.value;
}

const regexpCache = new Map<string, RegExp>();

function compiled(source: string, caseSensitive: boolean): RegExp {
  const key = `${caseSensitive ? 's' : 'i'}:${source}`;
  let re = regexpCache.get(key);
  if (!re) {
    re = new RegExp(source, caseSensitive ? 'su' : 'siu');
    regexpCache.set(key, re);
  }
  return re;
}

function matchName(p: NamePattern, name: string, caseSensitive: boolean): boolean {
  if (p.kind === 'literal') return caseSensitive ? p.value === name : p.value.toLowerCase() === name.toLowerCase();
  return compiled(p.source, caseSensitive).test(name);
}

/** Whether `schema.table` is selected: the last matching rule decides; no match → false. */
export function matchTable(f: TableFilter, schema: string, table: string): boolean {
  for (let i = f.rules.length - 1; i >= 0; i--) {
    const r = f.rules[i]!;
    if (matchName(r.schema, schema, f.caseSensitive) && matchName(r.table, table, f.caseSensitive)) return r.positive;
  }
  return false;
}

/**
 * Whether a schema (with possibly no tables) is selected. An exclusion only rejects the schema when it
 * excludes all of its tables (`!db.*`), as in tidb-tools' MatchSchema.
 */
export function matchSchema(f: TableFilter, schema: string): boolean {
  for (let i = f.rules.length - 1; i >= 0; i--) {
    const r = f.rules[i]!;
    if (!matchName(r.schema, schema, f.caseSensitive)) continue;
    if (r.positive) return true;
    if (r.table.kind === 'regexp' && r.table.matchesAll) return false;
  }
  return false;
}

/** BR's `restore db --db D`: exactly that schema, all its tables (filter.NewSchemasFilter). */
export function schemaFilter(db: string, opts: { caseSensitive?: boolean } = {}): TableFilter {
  return {
    rules: [{ text: `${quoteName(db)}.*`, positive: true, schema: { kind: 'literal', value: db }, table: { kind: 'regexp', source: '^(?:.*)$', matchesAll: true } }],
    caseSensitive: opts.caseSensitive ?? false,
  };
}

/** BR's `restore table --db D --table T`: exactly that table (filter.NewTablesFilter). */
export function tablesFilter(tables: readonly { db: string; table: string }[], opts: { caseSensitive?: boolean } = {}): TableFilter {
  return {
    rules: tables.map(({ db, table }) => ({
      text: `${quoteName(db)}.${quoteName(table)}`,
      positive: true,
      schema: { kind: 'literal', value: db },
      table: { kind: 'literal', value: table },
    })),
    caseSensitive: opts.caseSensitive ?? false,
  };
}

function quoteName(n: string): string {
  return '`' + n.replace(/`/g, '``') + '`';
}

/**
 * The name a backed-up database is filtered and restored under: BR stores `mysql` as
 * `__TiDB_BR_Temporary_mysql` and matches the filter against `mysql` (task/restore.go filterRestoreFiles).
 */
export function realSchemaName(storedName: string): string {
  if (storedName.startsWith(TEMPORARY_DB_PREFIX)) {
    const real = storedName.slice(TEMPORARY_DB_PREFIX.length);
    if (SYSTEM_SCHEMAS.includes(real.toLowerCase())) return real;
  }
  return storedName;
}

/**
 * The filter a restore uses: BR's default for no rules; otherwise the user's rules, still keeping system
 * schemas out unless one of the user's positive rules names the schema literally (`-f 'mysql.*'`), so
 * `-f '*.*'` does not pull `mysql` (or BR's own `__TiDB_BR_Temporary_*` databases) into a restore by accident.
 */
export function effectiveRestoreFilter(userRules: readonly string[], opts: { caseSensitive?: boolean } = {}): TableFilter {
  if (userRules.length === 0) return parseTableFilter(DEFAULT_RESTORE_FILTER, opts);
  const f = parseTableFilter(userRules, opts);
  const named = new Set<string>();
  for (const r of f.rules) if (r.positive && r.schema.kind === 'literal') named.add(r.schema.value.toLowerCase());
  const extra = SYSTEM_SCHEMAS.filter((s) => !named.has(s)).map((s) => `!${s}.*`);
  // BR's own temporary databases (e.g. checkpoint schemas) are never user data.
  if (![...named].some((n) => n.startsWith(TEMPORARY_DB_PREFIX.toLowerCase()))) extra.push(`!${TEMPORARY_DB_PREFIX}*.*`);
  if (extra.length === 0) return f;
  return { rules: [...f.rules, ...parseTableFilter(extra, opts).rules], caseSensitive: f.caseSensitive };
}
