import { MysqlFlag, MysqlType, type ColumnInfo, type FieldType, type TableInfo } from '../../plan/table-info';
import { isIntegerType } from './field-type';
import { restoredGeneratedExpr } from './restored-expr';
import { SqlError } from './sql-error';
import { tokenize } from './sql-lexer';
import { ciStr, findColumn, generatedDependences, STATE_PUBLIC } from './table-builder';

/** The name v8.5.3 gives an expression index written without one. */
export const UNNAMED_EXPRESSION_INDEX = 'expression_index';

/** String functions whose result has the type of their one string argument (as a VARCHAR). */
const SAME_STRING_FUNCTIONS = new Set(['lower', 'upper', 'lcase', 'ucase', 'trim', 'ltrim', 'rtrim', 'reverse']);

/**
 * The type TiDB infers for an indexed expression, for the shapes the simulator knows (measured on v8.5.3):
 * integer columns and literals under + - * give BIGINT(20) with the Binary flag; lower/upper/trim… of one
 * string column give a VARCHAR (type code 253) of that column's length and collation, Decimal -1. Other
 * expressions need TiDB's type inference and are refused (1235) rather than guessed.
 */
function inferType(expr: string, t: TableInfo): FieldType {
  const tokens = tokenize(expr).filter((x) => x.kind !== 'eof');
  const colOf = (i: number) => {
    const tok = tokens[i];
    return tok && (tok.kind === 'word' || tok.kind === 'quoted') ? findColumn(t, tok.text) : undefined;
  };
  const integerArithmetic = tokens.every((tok, i) =>
    tok.kind === 'number' ? /^\d+$/.test(tok.text) : tok.kind === 'punct' ? ['+', '-', '*', '(', ')'].includes(tok.text) : isIntegerType(colOf(i)?.type.Tp ?? -1));
  if (integerArithmetic) return { Tp: MysqlType.Longlong, Flag: MysqlFlag.Binary, Flen: 20, Decimal: 0, Charset: 'binary', Collate: 'binary', Elems: null, ElemsIsBinaryLit: null, Array: false };
  const fn = tokens[0]?.text.toLowerCase() ?? '';
  const arg = colOf(2);
  const shape = tokens.length === 4 && tokens[1]?.text === '(' && tokens[3]?.text === ')';
  if (shape && SAME_STRING_FUNCTIONS.has(fn) && arg && arg.type.Charset !== 'binary') {
    return { Tp: MysqlType.VarString, Flag: 0, Flen: arg.type.Flen, Decimal: -1, Charset: arg.type.Charset, Collate: arg.type.Collate, Elems: null, ElemsIsBinaryLit: null, Array: false };
  }
  throw SqlError.unsupported(`an expression index on (${expr}) in the simulated TiDB front (it infers the types of integer arithmetic and lower/upper/trim of a string column only)`);
}

/**
 * The hidden virtual column TiDB adds for an indexed expression: named `_V$_<index>_<position>`, the next
 * column ID, after every other column, with the expression in its restored form.
 */
export function addExpressionColumn(t: TableInfo, indexName: string, position: number, expr: string): ColumnInfo {
  const type = inferType(expr, t);
  t.max_col_id += 1;
  const col: ColumnInfo = {
    id: t.max_col_id, name: ciStr(`_V$_${indexName}_${position}`), offset: t.cols.length, origin_default: null, origin_default_bit: null,
    default: null, default_bit: null, default_is_expr: false, generated_expr_string: restoredGeneratedExpr(expr), generated_stored: false,
    dependences: generatedDependences(expr, t), type, state: STATE_PUBLIC, comment: '', hidden: true, change_state_info: null, version: 2,
  };
  t.cols.push(col);
  return col;
}
