/**
 * Enough SoQL for the permit emulator to honour every query the connector sends — and to refuse
 * the rest as Socrata does. A $where is parsed into a small tree and evaluated against rows:
 *
 *   expr      := term (OR term)*            term := factor (AND factor)*
 *   factor    := '(' expr ')' | NOT factor | predicate
 *   predicate := operand (= | != | <> | < | <= | > | >=) literal
 *              | operand [NOT] LIKE 'pattern'          (% and _ wildcards)
 *              | operand BETWEEN literal AND literal
 *              | operand IS [NOT] NULL
 *              | within_box(column, north, west, south, east)
 *   operand   := column | upper(column) | lower(column)
 *
 * Note: this is for the loopback emulator only; the real portal runs real SoQL.
 */

export type SoqlValue = string | number;
type Operand = { column: string; fn: 'upper' | 'lower' | null; at: number };
export type SoqlNode =
  | { kind: 'and' | 'or'; left: SoqlNode; right: SoqlNode }
  | { kind: 'not'; node: SoqlNode }
  | { kind: 'compare'; operand: Operand; op: '=' | '!=' | '<' | '<=' | '>' | '>='; value: SoqlValue }
  | { kind: 'like'; operand: Operand; pattern: string; negated: boolean }
  | { kind: 'between'; operand: Operand; low: SoqlValue; high: SoqlValue }
  | { kind: 'null'; operand: Operand; negated: boolean }
  | { kind: 'within-box'; column: string; at: number; north: number; west: number; south: number; east: number };

export class SoqlError extends Error {
  constructor(
    readonly code: 'query.compiler.malformed' | 'query.soql.no-such-column' | 'query.soql.type-mismatch',
    message: string,
    readonly position: number,
  ) {
    super(message);
    this.name = 'SoqlError';
  }
}

type Token = { type: 'ident' | 'string' | 'number' | 'punct'; text: string; at: number };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/.test(ch)) {
      i += 1;
    } else if (ch === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw new SoqlError('query.compiler.malformed', 'unterminated string', i);
        if (text[j] === "'" && text[j + 1] === "'") {
          value += "'";
          j += 2;
        } else if (text[j] === "'") break;
        else value += text[j++];
      }
      tokens.push({ type: 'string', text: value, at: i });
      i = j + 1;
    } else if (/\d/.test(ch) || (ch === '-' && /\d/.test(text[i + 1] ?? ''))) {
      const match = /^-?\d+(\.\d+)?/.exec(text.slice(i))!;
      tokens.push({ type: 'number', text: match[0], at: i });
      i += match[0].length;
    } else if (/[A-Za-z_:@]/.test(ch)) {
      const match = /^[A-Za-z_:@][A-Za-z0-9_]*/.exec(text.slice(i))!;
      tokens.push({ type: 'ident', text: match[0], at: i });
      i += match[0].length;
    } else {
      const two = text.slice(i, i + 2);
      const op = ['<=', '>=', '!=', '<>'].includes(two) ? two : ch;
      if (!['(', ')', ',', '=', '<', '>', '<=', '>=', '!=', '<>'].includes(op)) throw new SoqlError('query.compiler.malformed', `unexpected "${ch}"`, i);
      tokens.push({ type: 'punct', text: op, at: i });
      i += op.length;
    }
  }
  return tokens;
}

export function parseWhere(text: string, columns: ReadonlySet<string>): SoqlNode {
  const tokens = tokenize(text);
  let position = 0;
  const peek = () => tokens[position];
  const fail = (what: string): never => {
    throw new SoqlError('query.compiler.malformed', what, peek()?.at ?? text.length);
  };
  const keyword = (word: string) => peek()?.type === 'ident' && peek()!.text.toUpperCase() === word;
  const expect = (type: Token['type'], text?: string): Token => {
    const token = peek();
    if (!token || token.type !== type || (text !== undefined && token.text !== text)) return fail(`expected ${text ?? type}`);
    position += 1;
    return token;
  };
  const columnName = (): { column: string; at: number } => {
    const token = expect('ident');
    if (!columns.has(token.text)) throw new SoqlError('query.soql.no-such-column', `No such column: ${token.text}`, token.at);
    return { column: token.text, at: token.at };
  };
  const literal = (): SoqlValue => {
    const token = peek();
    if (token?.type === 'string') return expect('string').text;
    if (token?.type === 'number') return Number(expect('number').text);
    return fail('expected a literal');
  };
  const number = (): number => {
    const value = literal();
    if (typeof value !== 'number') return fail('expected a number');
    return value;
  };

  const operand = (): Operand => {
    const token = peek();
    if (token?.type === 'ident' && ['UPPER', 'LOWER'].includes(token.text.toUpperCase()) && tokens[position + 1]?.text === '(') {
      position += 2;
      const { column, at } = columnName();
      expect('punct', ')');
      return { column, fn: token.text.toLowerCase() as 'upper' | 'lower', at };
    }
    const { column, at } = columnName();
    return { column, fn: null, at };
  };

  const predicate = (): SoqlNode => {
    if (keyword('WITHIN_BOX')) {
      position += 1;
      expect('punct', '(');
      const { column, at } = columnName();
      const box: number[] = [];
      for (let n = 0; n < 4; n += 1) {
        expect('punct', ',');
        box.push(number());
      }
      expect('punct', ')');
      const [north, west, south, east] = box as [number, number, number, number];
      return { kind: 'within-box', column, at, north, west, south, east };
    }
    const left = operand();
    if (keyword('NOT') || keyword('LIKE')) {
      const negated = keyword('NOT');
      if (negated) position += 1;
      if (!keyword('LIKE')) fail('expected LIKE');
      position += 1;
      const pattern = literal();
      if (typeof pattern !== 'string') fail('LIKE needs a text pattern');
      return { kind: 'like', operand: left, pattern: String(pattern), negated };
    }
    if (keyword('BETWEEN')) {
      position += 1;
      const low = literal();
      if (!keyword('AND')) fail('expected AND');
      position += 1;
      return { kind: 'between', operand: left, low, high: literal() };
    }
    if (keyword('IS')) {
      position += 1;
      const negated = keyword('NOT');
      if (negated) position += 1;
      if (!keyword('NULL')) fail('expected NULL');
      position += 1;
      return { kind: 'null', operand: left, negated };
    }
    const op = expect('punct').text;
    if (!['=', '!=', '<>', '<', '<=', '>', '>='].includes(op)) fail('expected a comparison');
    return { kind: 'compare', operand: left, op: (op === '<>' ? '!=' : op) as '=' | '!=' | '<' | '<=' | '>' | '>=', value: literal() };
  };

  const factor = (): SoqlNode => {
    if (peek()?.type === 'punct' && peek()!.text === '(') {
      position += 1;
      const inner = expression();
      expect('punct', ')');
      return inner;
    }
    if (keyword('NOT')) {
      position += 1;
      return { kind: 'not', node: factor() };
    }
    return predicate();
  };
  const term = (): SoqlNode => {
    let node = factor();
    while (keyword('AND')) {
      position += 1;
      node = { kind: 'and', left: node, right: factor() };
    }
    return node;
  };
  const expression = (): SoqlNode => {
    let node = term();
    while (keyword('OR')) {
      position += 1;
      node = { kind: 'or', left: node, right: term() };
    }
    return node;
  };

  const tree = expression();
  if (position < tokens.length) fail('unexpected text after the end of the expression');
  return tree;
}

function likeRegex(pattern: string): RegExp {
  const body = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
  return new RegExp(`^${body}$`, 's');
}

function operandValue(row: Record<string, unknown>, operand: Operand): unknown {
  const value = row[operand.column];
  if (operand.fn === null || value === undefined || value === null) return value;
  if (typeof value !== 'string') throw new SoqlError('query.soql.type-mismatch', `Type mismatch for ${operand.fn}, is ${typeof value}`, operand.at);
  return operand.fn === 'upper' ? value.toUpperCase() : value.toLowerCase();
}

function compare(a: unknown, b: SoqlValue): number | null {
  if (a === undefined || a === null) return null;
  if (typeof b === 'number') {
    const n = Number(a);
    return Number.isFinite(n) ? n - b : null;
  }
  const text = String(a);
  return text < b ? -1 : text > b ? 1 : 0;
}

export function matches(node: SoqlNode, row: Record<string, unknown>): boolean {
  switch (node.kind) {
    case 'and':
      return matches(node.left, row) && matches(node.right, row);
    case 'or':
      return matches(node.left, row) || matches(node.right, row);
    case 'not':
      return !matches(node.node, row);
    case 'null': {
      const value = row[node.operand.column];
      return (value === undefined || value === null) !== node.negated;
    }
    case 'like': {
      const value = operandValue(row, node.operand);
      if (typeof value !== 'string') return false;
      return likeRegex(node.pattern).test(value) !== node.negated;
    }
    case 'between': {
      const value = operandValue(row, node.operand);
      const low = compare(value, node.low);
      const high = compare(value, node.high);
      return low !== null && high !== null && low >= 0 && high <= 0;
    }
    case 'compare': {
      const order = compare(operandValue(row, node.operand), node.value);
      if (order === null) return false;
      return { '=': order === 0, '!=': order !== 0, '<': order < 0, '<=': order <= 0, '>': order > 0, '>=': order >= 0 }[node.op];
    }
    case 'within-box': {
      const point = row[node.column] as { coordinates?: unknown } | undefined;
      if (!point || !Array.isArray(point.coordinates)) return false;
      const [lng, lat] = point.coordinates.map(Number) as [number, number];
      return lat <= node.north && lat >= node.south && lng >= node.west && lng <= node.east;
    }
  }
}
