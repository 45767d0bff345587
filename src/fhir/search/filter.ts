/**
 * `_filter`: the FHIR filter grammar (http://hl7.org/fhir/R4/search_filter.html) read into a tree of
 * comparisons joined by `and`, `or` and `not(…)`, with parentheses. `and` binds tighter than `or`.
 * Each comparison (`paramPath op value`) is handed to `leaf`, which turns it into the same criterion
 * an ordinary parameter gives, so `_filter` runs the same SQL.
 *
 *   filter    = orExp
 *   orExp     = andExp ("or" andExp)*
 *   andExp    = unary ("and" unary)*
 *   unary     = "not" "(" filter ")" / "(" filter ")" / paramExp
 *   paramExp  = paramPath SP compareOp SP compValue
 *   compValue = JSON string / token (no whitespace, `)` or `]`)
 */
import { badRequest } from '../../outcomes';

export const FILTER_OPERATORS = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt', 'ge', 'le', 'ap', 'sa', 'eb', 'pr', 'po', 'ss', 'sb', 'in', 'ni', 're'] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

export type FilterNode<T> =
  | { kind: 'and' | 'or'; items: FilterNode<T>[] }
  | { kind: 'not'; item: FilterNode<T> }
  | { kind: 'leaf'; value: T };

type Token = { text: string; quoted: boolean; pos: number };

const fail = (why: string, pos?: number) => badRequest(`Invalid _filter: ${why}${pos !== undefined ? ` (at character ${pos + 1})` : ''}`, '_filter');

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const ch = s[i];
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '(' || ch === ')') {
      out.push({ text: ch, quoted: false, pos: i++ });
    } else if (ch === '"') {
      let j = i + 1;
      while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
      if (j >= s.length) throw fail('unterminated string', i);
      let text: string;
      try {
        text = JSON.parse(s.slice(i, j + 1)) as string;
      } catch {
        throw fail('bad escape in string', i);
      }
      out.push({ text, quoted: true, pos: i });
      i = j + 1;
    } else {
      // A bare token; square brackets (a filter inside a parameter path) may hold spaces.
      let j = i;
      let depth = 0;
      while (j < s.length && (depth > 0 || !/[\s()]/.test(s[j]))) {
        if (s[j] === '[') depth++;
        else if (s[j] === ']') depth--;
        j++;
      }
      out.push({ text: s.slice(i, j), quoted: false, pos: i });
      i = j;
    }
  }
  return out;
}

/** Parse a `_filter` expression; `leaf` reads each comparison (and may throw). */
export function parseFilter<T>(expression: string, leaf: (path: string, op: FilterOperator, value: string) => T): FilterNode<T> {
  const tokens = tokenize(expression);
  let i = 0;
  const peek = () => tokens[i];
  const isWord = (t: Token | undefined, w: string) => !!t && !t.quoted && t.text === w;
  const expect = (w: string) => {
    const t = tokens[i];
    if (!isWord(t, w)) throw fail(`expected '${w}'${t ? ` but found '${t.text}'` : ' at the end'}`, t?.pos);
    i++;
  };

  const orExp = (): FilterNode<T> => {
    const items = [andExp()];
    while (isWord(peek(), 'or')) {
      i++;
      items.push(andExp());
    }
    return items.length === 1 ? items[0] : { kind: 'or', items };
  };
  const andExp = (): FilterNode<T> => {
    const items = [unary()];
    while (isWord(peek(), 'and')) {
      i++;
      items.push(unary());
    }
    return items.length === 1 ? items[0] : { kind: 'and', items };
  };
  const unary = (): FilterNode<T> => {
    const t = peek();
    if (!t) throw fail('expected a comparison at the end');
    if (isWord(t, 'not') && isWord(tokens[i + 1], '(')) {
      i += 2;
      const item = orExp();
      expect(')');
      return { kind: 'not', item };
    }
    if (isWord(t, '(')) {
      i++;
      const inner = orExp();
      expect(')');
      return inner;
    }
    if (t.quoted || t.text === ')') throw fail(`expected a parameter name, found '${t.text}'`, t.pos);
    const path = t.text;
    if (!/^[A-Za-z_][A-Za-z0-9_\-:.[\]\s]*$/.test(path) && !path.includes('[')) throw fail(`'${path}' is not a parameter path`, t.pos);
    const opToken = tokens[i + 1];
    if (!opToken || opToken.quoted || !(FILTER_OPERATORS as readonly string[]).includes(opToken.text)) {
      throw fail(`expected an operator (${FILTER_OPERATORS.join(' ')}) after '${path}'${opToken ? `, found '${opToken.text}'` : ''}`, opToken?.pos);
    }
    const valueToken = tokens[i + 2];
    if (!valueToken || (!valueToken.quoted && (valueToken.text === '(' || valueToken.text === ')'))) throw fail(`expected a value after '${path} ${opToken.text}'`, valueToken?.pos);
    i += 3;
    return { kind: 'leaf', value: leaf(path, opToken.text as FilterOperator, valueToken.text) };
  };

  if (tokens.length === 0) throw fail('empty expression');
  const tree = orExp();
  if (i < tokens.length) throw fail(`unexpected '${tokens[i].text}'`, tokens[i].pos);
  return tree;
}
