/**
 * The store's SQL for a parsed search (src/fhir/search parses and types the request and knows no
 * SQL): criteria and sort keys over the `resource` alias. Each criterion is one boolean
 * condition: an EXISTS (or NOT EXISTS) subquery into its index table, where `t.type = r.type AND
 * t.param = …` lets the (type, param, value) indexes serve it. Values of one parameter separated by
 * commas are ORed inside one subquery; repeated parameters are separate conditions (ANDed).
 */
import { contentTsvector, narrativeTsvector, tsquery } from '../fulltext';
import type { SqlParams } from '../sql';
import { INDEX_PREFIX_CHARS } from '../migrations';
import { pgInstant } from '../../fhir/search/dates';
import { TABLE_OF, type Criterion, type DateValue, type NumberValue, type QuantityValue, type ReferenceValue, type TokenValue } from '../../fhir/search/criteria';
import { getSearchParam } from '../../fhir/search/definitions';
import type { ParsedSearch } from '../../fhir/search/types';

/** Access conditions over a resource alias (any type): what a client may see. */
export type RowScope = (p: SqlParams, alias: string) => string[];

/** A SQL expression usable as a sort key over the resource alias, and its SQL type. */
export interface SortExpression {
  sql: string;
  sqlType: 'text' | 'timestamptz' | 'numeric';
  descending: boolean;
}

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

/** `group`: inside a composite, the row whose element the index row must belong to (same `grp`). */
function exists(table: string, param: string, cond: string | undefined, p: SqlParams, a: string, negate = false, group?: string): string {
  const where = `t.rid = ${a}.rid AND t.type = ${a}.type AND t.param = ${p.add(param)}${group ? ` AND t.grp = ${group}.grp` : ''}${cond ? ` AND ${cond}` : ''}`;
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
    case 'po':
      return `${lo} <= ${E()} AND ${hi} >= ${S()}`;
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
    case 'po':
    case 'ne': {
      // Within the implicit precision of the value as written.
      const value = n();
      const half = `${p.add(v.halfUnit)}::numeric`;
      const inRange = `${col} >= ${value} - ${half} AND ${col} < ${value} + ${half}`;
      return v.prefix === 'ne' ? `NOT (${inRange})` : inRange;
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

/** What nested criteria share: fresh aliases for each subquery, and the access conditions. */
interface SqlContext {
  n: number;
  scope?: RowScope;
  /** Inside a composite: the alias of the element's first component row. */
  group?: string;
}

/** The live resources a chain or `_has` reaches, as the client may see them, matching the criteria. */
function reachedSql(c: string, criteria: string[], p: SqlParams, ctx: SqlContext): string {
  return [`NOT ${c}.deleted`, ...criteria, ...(ctx.scope?.(p, c) ?? [])].join(' AND ');
}

const typeIn = (col: string, types: string[], p: SqlParams) => (types.length === 1 ? `${col} = ${p.add(types[0])}` : `${col} = ANY(${p.add(types)}::text[])`);

function criterionSql(c: Criterion, p: SqlParams, a: string, ctx: SqlContext): string {
  switch (c.kind) {
    case 'chain': {
      // The reference rows of `a`, joined to the resource each names (by the unique (type, id)).
      const n = ++ctx.n;
      const t = `ch${n}`;
      const r = `cr${n}`;
      const branches = orOf(c.branches.map((b) => [typeIn(`${r}.type`, b.types, p), ...b.criteria.map((x) => criterionSql(x, p, r, ctx))].join(' AND ')));
      return `EXISTS (SELECT 1 FROM sp_reference ${t} JOIN resource ${r} ON ${r}.type = ${t}.target_type AND ${r}.id = ${t}.target_id
        WHERE ${t}.rid = ${a}.rid AND ${t}.type = ${a}.type AND ${t}.param = ${p.add(c.param)} AND ${t}.url IS NULL AND ${branches} AND ${reachedSql(r, [], p, ctx)})`;
    }
    case 'and':
      return `(${c.items.map((x) => criterionSql(x, p, a, ctx)).join(' AND ')})`;
    case 'or':
      return orOf(c.items.map((x) => criterionSql(x, p, a, ctx)));
    case 'not':
      return `NOT (${criterionSql(c.item, p, a, ctx)})`;
    case 'composite': {
      // One element (rows of one `grp`) whose every component matches its part.
      return orOf(c.values.map((parts) => {
        const g = `cg${++ctx.n}`;
        const inner = parts.map((part) => criterionSql(part, p, g, { ...ctx, group: g }));
        return `EXISTS (SELECT 1 FROM ${c.table} ${g} WHERE ${g}.rid = ${a}.rid AND ${g}.type = ${a}.type AND ${g}.param = ${p.add(`${c.param}#0`)} AND ${inner.join(' AND ')})`;
      }));
    }
    case 'fulltext': {
      const doc = c.of === 'content' ? contentTsvector(a) : narrativeTsvector(a);
      return orOf(c.values.map((v) => `${doc} @@ ${tsquery(p.add(v))}`));
    }
    case 'has': {
      // The reference rows of `c.type` naming `a` (the (type, param, target_id, target_type) index), and their resources.
      const n = ++ctx.n;
      const t = `hs${n}`;
      const r = `hr${n}`;
      const inner = c.criteria.map((x) => criterionSql(x, p, r, ctx));
      return `EXISTS (SELECT 1 FROM sp_reference ${t} JOIN resource ${r} ON ${r}.rid = ${t}.rid
        WHERE ${t}.type = ${p.add(c.type)} AND ${t}.param = ${p.add(c.param)} AND ${t}.target_id = ${a}.id AND ${t}.target_type = ${a}.type AND ${t}.url IS NULL
          AND ${r}.type = ${p.add(c.type)} AND ${reachedSql(r, inner, p, ctx)})`;
    }
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
      return exists(c.table, c.param, undefined, p, a, c.missing, ctx.group);
    case 'token':
      return exists('sp_token', c.param, orOf(c.values.map((v) => tokenCondition(v, p))), p, a, c.not, ctx.group);
    case 'token-text':
      return exists('sp_token', c.param, orOf(c.values.map((v) => `lower(t.text_value) LIKE ${p.add(`${likeEscape(v)}%`)}`)), p, a, false, ctx.group);
    case 'string':
      return exists('sp_string', c.param, orOf(c.values.map((v) => {
        if (c.mode === 'exact') return `t.exact_value = ${p.add(v)}`;
        if (c.mode === 'contains') return `t.value LIKE ${p.add(`%${likeEscape(v)}%`)}`;
        if (c.mode === 'equals') return equalsIndexed('t.value', v, p);
        if (c.mode === 'ends') return `t.value LIKE ${p.add(`%${likeEscape(v)}`)}`;
        // `:text`: every word of the value, as whole words (PostgreSQL full-text search, no stemming: names).
        if (c.mode === 'text') return `to_tsvector('simple', t.value) @@ plainto_tsquery('simple', ${p.add(v)})`;
        return startsWithIndexed('t.value', v, p);
      })), p, a, false, ctx.group);
    case 'date':
      return exists('sp_date', c.param, orOf(c.values.map((v) => dateCondition(v, 't.lo', 't.hi', p))), p, a, false, ctx.group);
    case 'number':
      return exists('sp_number', c.param, orOf(c.values.map((v) => numberCondition(v, 't.value', p))), p, a, false, ctx.group);
    case 'quantity':
      return exists('sp_quantity', c.param, orOf(c.values.map((v) => quantityCondition(v, p))), p, a, false, ctx.group);
    case 'reference':
      return exists('sp_reference', c.param, orOf(c.values.map((v) => referenceCondition(v, p))), p, a, false, ctx.group);
    case 'uri':
      return exists('sp_uri', c.param, orOf(c.values.map((v) => {
        if (c.mode === 'below') return `t.value LIKE ${p.add(`${likeEscape(v)}%`)}`;
        if (c.mode === 'above') return `starts_with(${p.add(v)}::text, t.value)`;
        return equalsIndexed('t.value', v, p);
      })), p, a, false, ctx.group);
  }
}

export function criteriaSql(search: ParsedSearch, p: SqlParams, alias: string, scope?: RowScope): string[] {
  const ctx: SqlContext = { n: 0, scope };
  return search.criteria.map((c) => criterionSql(c, p, alias, ctx));
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
