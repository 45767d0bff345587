/**
 * SQL for parsed criteria and sort keys over the `resource` alias. Each criterion is one boolean
 * condition: an EXISTS (or NOT EXISTS) subquery into its index table, where `t.type = r.type AND
 * t.param = …` lets the (type, param, value) indexes serve it. Values of one parameter separated by
 * commas are ORed inside one subquery; repeated parameters are separate conditions (ANDed).
 */
import type { SqlParams } from '../../store/sql';
import { INDEX_PREFIX_CHARS } from '../../store/migrations';
import { TABLE_OF, type Criterion, type DateValue, type NumberValue, type QuantityValue, type ReferenceValue, type TokenValue } from './criteria';
import { getSearchParam } from './definitions';
import { pgInstant } from './dates';
import type { ParsedSearch, SortExpression } from './types';

/** LIKE pattern text with its wildcards escaped (backslash is PostgreSQL's default LIKE escape). */
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

const DAY_MS = 86_400_000;

/**
 * `col = value` through the prefix index of migration 5: the indexes hold left(col, 200), so the
 * prefix is compared first (an index condition), then the whole value.
 */
function equalsIndexed(col: string, value: string, p: SqlParams): string {
  const v = p.add(value);
  return `left(${col}, ${INDEX_PREFIX_CHARS}) = left(${v}::text, ${INDEX_PREFIX_CHARS}) AND ${col} = ${v}`;
}

/** `col LIKE 'value%'` through the text_pattern_ops prefix index of migration 5. */
function startsWithIndexed(col: string, value: string, p: SqlParams): string {
  const chars = [...value];
  const full = `${col} LIKE ${p.add(`${likeEscape(value)}%`)}`;
  // A value at least as long as the indexed prefix fixes the whole prefix; a shorter one starts it.
  const head = chars.length >= INDEX_PREFIX_CHARS
    ? `left(${col}, ${INDEX_PREFIX_CHARS}) = ${p.add(chars.slice(0, INDEX_PREFIX_CHARS).join(''))}`
    : `left(${col}, ${INDEX_PREFIX_CHARS}) LIKE ${p.add(`${likeEscape(value)}%`)}`;
  return `${head} AND ${full}`;
}

function orOf(conds: string[]): string {
  if (conds.length === 0) return 'FALSE';
  return conds.length === 1 ? conds[0] : `(${conds.map((c) => `(${c})`).join(' OR ')})`;
}

function exists(table: string, param: string, cond: string | undefined, p: SqlParams, a: string, negate = false): string {
  const where = `t.rid = ${a}.rid AND t.type = ${a}.type AND t.param = ${p.add(param)}${cond ? ` AND ${cond}` : ''}`;
  return `${negate ? 'NOT ' : ''}EXISTS (SELECT 1 FROM ${table} t WHERE ${where})`;
}

/** `ap`: the search range widened by a tenth of its distance from now (at least a day), per the spec's guidance. */
function approximately(v: DateValue): { lo: string; hi: string } {
  const now = Date.now();
  const gap = Math.max(Math.abs(now - v.range.loMs), Math.abs(now - v.range.hiMs));
  const widen = Math.max(gap * 0.1, DAY_MS);
  return { lo: pgInstant(v.range.loMs - widen), hi: pgInstant(v.range.hiMs + widen) };
}

/** Resource range [lo, hi] against the search range [S, E], per the R4 date prefix semantics. */
function dateCondition(v: DateValue, lo: string, hi: string, p: SqlParams): string {
  const S = () => `${p.add(v.range.lo)}::timestamptz`;
  const E = () => `${p.add(v.range.hi)}::timestamptz`;
  switch (v.prefix) {
    case 'eq':
      return `${lo} >= ${S()} AND ${hi} <= ${E()}`;
    case 'ne':
      return `(${lo} < ${S()} OR ${hi} > ${E()})`;
    case 'gt':
      return `${hi} > ${E()}`;
    case 'lt':
      return `${lo} < ${S()}`;
    case 'ge': {
      const e = E();
      return `(${hi} > ${e} OR (${lo} >= ${S()} AND ${hi} <= ${e}))`;
    }
    case 'le': {
      const s = S();
      return `(${lo} < ${s} OR (${lo} >= ${s} AND ${hi} <= ${E()}))`;
    }
    case 'sa':
      return `${lo} > ${E()}`;
    case 'eb':
      return `${hi} < ${S()}`;
    case 'ap': {
      const w = approximately(v);
      return `${lo} <= ${p.add(w.hi)}::timestamptz AND ${hi} >= ${p.add(w.lo)}::timestamptz`;
    }
  }
}

function numberCondition(v: NumberValue, col: string, p: SqlParams): string {
  const n = () => `${p.add(v.value)}::numeric`;
  switch (v.prefix) {
    case 'eq':
    case 'ne': {
      // Within the implicit precision of the value as written.
      const value = n();
      const half = `${p.add(v.halfUnit)}::numeric`;
      const inRange = `${col} >= ${value} - ${half} AND ${col} < ${value} + ${half}`;
      return v.prefix === 'eq' ? inRange : `NOT (${inRange})`;
    }
    case 'gt':
    case 'sa':
      return `${col} > ${n()}`;
    case 'lt':
    case 'eb':
      return `${col} < ${n()}`;
    case 'ge':
      return `${col} >= ${n()}`;
    case 'le':
      return `${col} <= ${n()}`;
    case 'ap': {
      const value = n();
      return `abs(${col} - ${value}) <= abs(${value}) * 0.1`;
    }
  }
}

function quantityCondition(v: QuantityValue, p: SqlParams): string {
  const conds = [numberCondition(v, 't.value', p)];
  if (v.system !== undefined) conds.push(`t.system = ${p.add(v.system)}`);
  if (v.code !== undefined) conds.push(`t.code = ${p.add(v.code)}`);
  return conds.join(' AND ');
}

function tokenCondition(v: TokenValue, p: SqlParams): string {
  const conds: string[] = [];
  if (v.code !== undefined) conds.push(equalsIndexed('t.code', v.code, p));
  if (v.system === null) conds.push('t.system IS NULL');
  else if (v.system !== undefined) conds.push(equalsIndexed('t.system', v.system, p));
  return conds.join(' AND ');
}

function referenceCondition(v: ReferenceValue, p: SqlParams): string {
  // A relative value means a resource on this server: references stored relative (url null).
  // Absolute references in data point elsewhere, so only an absolute value finds them.
  const local = () => {
    const conds = [`t.target_id = ${p.add(v.targetId)}`, 't.url IS NULL'];
    if (v.targetType) conds.push(`t.target_type = ${p.add(v.targetType)}`);
    return conds.join(' AND ');
  };
  if (v.url !== undefined && v.targetId !== undefined) {
    // The server's own base is unknown here, so an absolute REST URL also finds the relative form.
    return `(t.url = ${p.add(v.url)} OR (${local()}))`;
  }
  if (v.url !== undefined) return `t.url = ${p.add(v.url)}`;
  return local();
}

function criterionSql(c: Criterion, p: SqlParams, a: string): string {
  switch (c.kind) {
    case 'always':
      return c.value ? 'TRUE' : 'FALSE';
    case 'id': {
      if (c.values.length === 0) return c.not ? 'TRUE' : 'FALSE';
      const list = c.values.map((v) => p.add(v)).join(', ');
      return `${a}.id ${c.not ? 'NOT IN' : 'IN'} (${list})`;
    }
    case 'lastUpdated': {
      const col = `${a}.last_updated`;
      return orOf(c.values.map((v) => dateCondition(v, col, col, p)));
    }
    case 'missing':
      return exists(c.table, c.param, undefined, p, a, c.missing);
    case 'token':
      return exists('sp_token', c.param, orOf(c.values.map((v) => tokenCondition(v, p))), p, a, c.not);
    case 'token-text':
      return exists('sp_token', c.param, orOf(c.values.map((v) => `lower(t.text_value) LIKE ${p.add(`${likeEscape(v)}%`)}`)), p, a);
    case 'string':
      return exists('sp_string', c.param, orOf(c.values.map((v) => {
        if (c.mode === 'exact') return `t.exact_value = ${p.add(v)}`;
        if (c.mode === 'contains') return `t.value LIKE ${p.add(`%${likeEscape(v)}%`)}`;
        return startsWithIndexed('t.value', v, p);
      })), p, a);
    case 'date':
      return exists('sp_date', c.param, orOf(c.values.map((v) => dateCondition(v, 't.lo', 't.hi', p))), p, a);
    case 'number':
      return exists('sp_number', c.param, orOf(c.values.map((v) => numberCondition(v, 't.value', p))), p, a);
    case 'quantity':
      return exists('sp_quantity', c.param, orOf(c.values.map((v) => quantityCondition(v, p))), p, a);
    case 'reference':
      return exists('sp_reference', c.param, orOf(c.values.map((v) => referenceCondition(v, p))), p, a);
    case 'uri':
      return exists('sp_uri', c.param, orOf(c.values.map((v) => {
        if (c.mode === 'below') return `t.value LIKE ${p.add(`${likeEscape(v)}%`)}`;
        if (c.mode === 'above') return `starts_with(${p.add(v)}::text, t.value)`;
        return equalsIndexed('t.value', v, p);
      })), p, a);
  }
}

export function criteriaSql(search: ParsedSearch, p: SqlParams, alias: string): string[] {
  return (search.criteria as Criterion[]).map((c) => criterionSql(c, p, alias));
}

/** Per the spec, a repeating value sorts by its lowest value ascending and its highest descending. */
export function sortSql(search: ParsedSearch, p: SqlParams, alias: string): SortExpression[] {
  const a = alias;
  return search.sort.map(({ param, descending }) => {
    if (param === '_id') return { sql: `${a}.id`, sqlType: 'text', descending };
    if (param === '_lastUpdated') return { sql: `${a}.last_updated`, sqlType: 'timestamptz', descending };
    const def = getSearchParam(search.resourceType, param);
    if (!def || !TABLE_OF[def.type]) throw new Error(`No sort for ${search.resourceType}.${param}`);
    const agg = descending ? 'max' : 'min';
    const column = def.type === 'date' ? (descending ? 'hi' : 'lo')
      : def.type === 'token' ? 'code'
        : def.type === 'reference' ? 'target_id'
          : 'value';
    const sqlType: SortExpression['sqlType'] = def.type === 'date' ? 'timestamptz' : def.type === 'number' || def.type === 'quantity' ? 'numeric' : 'text';
    const sql = `(SELECT ${agg}(t.${column}) FROM ${TABLE_OF[def.type]} t WHERE t.rid = ${a}.rid AND t.type = ${a}.type AND t.param = ${p.add(param)})`;
    return { sql, sqlType, descending };
  });
}
