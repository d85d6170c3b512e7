import { SqlError } from './sql-error';
import type { Token } from './sql-lexer';

/** A read position over tokens with the small vocabulary a recursive-descent parser needs. */
export class TokenCursor {
  private pos = 0;

  constructor(
    readonly sql: string,
    private readonly tokens: Token[],
  ) {}

  peek(ahead = 0): Token {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)] as Token;
  }

  next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.pos++;
    return t;
  }

  atEnd(): boolean {
    return this.peek().kind === 'eof';
  }

  /** A syntax error at the current token. */
  error(): SqlError {
    return SqlError.syntax(this.sql, this.peek().start);
  }

  isWord(word: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'word' && t.text.toLowerCase() === word;
  }

  /** Consumes the words in order if they all follow; otherwise consumes nothing. */
  acceptWords(...words: string[]): boolean {
    for (let k = 0; k < words.length; k++) if (!this.isWord(words[k] as string, k)) return false;
    this.pos += words.length;
    return true;
  }

  expectWords(...words: string[]): void {
    if (!this.acceptWords(...words)) throw this.error();
  }

  isPunct(p: string, ahead = 0): boolean {
    const t = this.peek(ahead);
    return t.kind === 'punct' && t.text === p;
  }

  acceptPunct(p: string): boolean {
    if (!this.isPunct(p)) return false;
    this.pos++;
    return true;
  }

  expectPunct(p: string): void {
    if (!this.acceptPunct(p)) throw this.error();
  }

  /** An identifier: a bare word or a backquoted name. */
  identifier(): string {
    const t = this.peek();
    if (t.kind === 'word' || t.kind === 'quoted') {
      this.pos++;
      return t.text;
    }
    throw this.error();
  }

  /** An identifier or a string literal (charset names, aliases may be written either way). */
  name(): string {
    const t = this.peek();
    if (t.kind === 'string') {
      this.pos++;
      return t.text;
    }
    return this.identifier();
  }

  string(): string {
    const t = this.peek();
    if (t.kind !== 'string') throw this.error();
    this.pos++;
    return t.text;
  }

  integer(): number {
    const t = this.peek();
    if (t.kind !== 'number' || !/^\d+$/.test(t.text)) throw this.error();
    this.pos++;
    return Number(t.text);
  }

  /** A literal value as text: string, (signed) number, NULL (→ null), TRUE/FALSE, or a bare word. */
  literal(): string | null {
    const t = this.peek();
    if (t.kind === 'string') {
      this.pos++;
      return t.text;
    }
    if (t.kind === 'punct' && (t.text === '-' || t.text === '+') && this.peek(1).kind === 'number') {
      this.pos += 2;
      return (t.text === '-' ? '-' : '') + this.peek(-1).text;
    }
    if (t.kind === 'number') {
      this.pos++;
      return t.text;
    }
    if (t.kind === 'word') {
      this.pos++;
      return t.text.toLowerCase() === 'null' ? null : t.text;
    }
    throw this.error();
  }

  /** The raw text between the current `(` and its matching `)`, both consumed. */
  parenthesizedText(): string {
    const open = this.peek();
    if (!(open.kind === 'punct' && open.text === '(')) throw this.error();
    let depth = 0;
    for (;;) {
      const t = this.next();
      if (t.kind === 'eof') throw this.error();
      if (t.kind === 'punct' && t.text === '(') depth++;
      if (t.kind === 'punct' && t.text === ')') {
        depth--;
        if (depth === 0) return this.sql.slice(open.end, t.start).trim();
      }
    }
  }

  /** The raw text of an expression that runs until a top-level `,` or `)` or one of the stop words. */
  expressionText(stopWords: string[] = []): string {
    const first = this.peek();
    let last = first;
    let depth = 0;
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof') break;
      if (depth === 0 && t.kind === 'punct' && (t.text === ',' || t.text === ')' || t.text === ';')) break;
      if (depth === 0 && t.kind === 'word' && stopWords.includes(t.text.toLowerCase())) break;
      if (t.kind === 'punct' && t.text === '(') depth++;
      if (t.kind === 'punct' && t.text === ')') depth--;
      last = this.next();
    }
    if (last === first && this.peek() === first) throw this.error();
    return this.sql.slice(first.start, last.end).trim();
  }
}
