/**
 * Parsing a search request (query parameters as received) into typed criteria and result
 * parameters, per the R4 search specification. A value of the wrong form is a 400 naming the
 * parameter; an unknown or unsupported parameter is ignored with a reason (or a 400 when strict).
 */
import { badRequest } from '../../outcomes';
import { requireValidString } from '../../validation/json-input';
import {
  PREFIXES, TABLE_OF, type ChainBranch, type Criterion, type DateValue, type NumberValue, type Prefix, type QuantityValue,
  type ReferenceValue, type TokenValue,
} from './criteria';
import { parseDateRange } from './dates';
import { getSearchParam, isIndexed, isResourceType, resourceTypes } from './definitions';
import { normalizeString } from './extract';
import { parseFilter, type FilterNode, type FilterOperator } from './filter';
import { parseReference } from './references';
import type { IncludeSpec, ParsedSearch, ParseOptions, SearchParamDef, SortKey } from './types';

const ID_RE = /^[A-Za-z0-9\-.]{1,64}$/;
const SUMMARY = ['count', 'true', 'text', 'data', 'false'] as const;
const TOTAL = ['none', 'estimate', 'accurate'] as const;

/** Result parameters with no effect on what the search returns; accepted quietly. */
const QUIET = new Set(['_format', '_pretty']);
/** Spec parameters this server does not implement; ignored with a reason (400 when strict). */
const UNSUPPORTED = new Set(['_query', '_list', '_type', '_contained', '_containedType', '_score']);

/** Modifiers the spec defines, so an unsupported one is told apart from a misspelt one. */
const SPEC_MODIFIERS = new Set(['missing', 'exact', 'contains', 'text', 'not', 'above', 'below', 'in', 'not-in', 'of-type', 'identifier', 'iterate', 'recurse']);

// ---- value syntax ----------------------------------------------------------------------------------

/** Split on an unescaped separator (`\,` `\|` `\$` escape them); pieces keep their escapes. */
function splitEscaped(value: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (ch === '\\' && i + 1 < value.length) {
      cur += ch + value[i + 1];
      i++;
    } else if (ch === sep) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

const unescape = (s: string) => s.replace(/\\([\\,|$])/g, '$1');

function splitPrefix(name: string, raw: string): { prefix: Prefix; rest: string } {
  const m = /^([a-z]{2})(.*)$/.exec(raw);
  if (!m) return { prefix: 'eq', rest: raw };
  if (!(PREFIXES as readonly string[]).includes(m[1])) throw badRequest(`Unknown prefix '${m[1]}' in search parameter '${name}'`, name);
  return { prefix: m[1] as Prefix, rest: m[2] };
}

function parseDateValue(name: string, raw: string): DateValue {
  const { prefix, rest } = splitPrefix(name, raw);
  const range = parseDateRange(rest);
  if (!range) throw badRequest(`Invalid date '${raw}' for search parameter '${name}'`, name);
  return { prefix, range };
}

const NUMBER_RE = /^([+-]?)(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

function parseNumber(name: string, text: string): { value: string; halfUnit: string } | undefined {
  const m = NUMBER_RE.exec(text);
  if (!m) return undefined;
  const decimals = m[3]?.length ?? 0;
  const exponent = m[4] ? Number(m[4]) : 0;
  if (!Number.isFinite(Number(text))) throw badRequest(`Number out of range '${text}' for search parameter '${name}'`, name);
  // Implicit precision: `100` means [99.5, 100.5), `1.50` means [1.495, 1.505).
  return { value: text, halfUnit: `5e${exponent - decimals - 1}` };
}

function parseNumberValue(name: string, raw: string): NumberValue {
  const { prefix, rest } = splitPrefix(name, raw);
  const n = parseNumber(name, rest);
  if (!n) throw badRequest(`Invalid number '${raw}' for search parameter '${name}'`, name);
  return { prefix, ...n };
}

function parseQuantityValue(name: string, raw: string): QuantityValue {
  const parts = splitEscaped(raw, '|');
  if (parts.length !== 1 && parts.length !== 3) {
    throw badRequest(`Invalid quantity '${raw}' for search parameter '${name}': expected [prefix]number[|system|code]`, name);
  }
  const { prefix, rest } = splitPrefix(name, parts[0]);
  const n = parseNumber(name, rest);
  if (!n) throw badRequest(`Invalid quantity '${raw}' for search parameter '${name}'`, name);
  const out: QuantityValue = { prefix, ...n };
  if (parts.length === 3) {
    const system = unescape(parts[1]);
    const code = unescape(parts[2]);
    if (system) out.system = system;
    if (code) out.code = code;
  }
  return out;
}

function parseTokenValue(name: string, raw: string): TokenValue {
  const parts = splitEscaped(raw, '|');
  if (parts.length === 1) return { code: unescape(parts[0]) };
  if (parts.length !== 2) throw badRequest(`Invalid token '${raw}' for search parameter '${name}': expected [system|]code`, name);
  const system = unescape(parts[0]);
  const code = unescape(parts[1]);
  if (!system && !code) throw badRequest(`Invalid token '${raw}' for search parameter '${name}'`, name);
  const out: TokenValue = { system: system === '' ? null : system };
  if (code) out.code = code;
  return out;
}

function parseReferenceValue(def: SearchParamDef, name: string, raw: string, typeModifier?: string): ReferenceValue {
  const value = unescape(raw);
  const bad = (why: string) => badRequest(`Invalid reference '${value}' for search parameter '${name}': ${why}`, name);
  const checkType = (t: string) => {
    if (!isResourceType(t)) throw bad(`unknown resource type '${t}'`);
    if (typeModifier && t !== typeModifier) throw bad(`type does not match the modifier ':${typeModifier}'`);
    if (def.target?.length && !def.target.includes(t) && !def.target.includes('Resource')) {
      throw bad(`'${def.code}' does not refer to ${t}`);
    }
  };
  if (/^[a-z][a-z0-9+.-]*:/i.test(value)) {
    const url = value.split('|')[0]; // a canonical may carry `|version`
    const parsed = parseReference(url);
    const t = parsed?.targetType;
    // A REST-shaped URL of a type this parameter can refer to also finds the relative form; any
    // other URL (e.g. a canonical of a profile) is matched as written.
    const allowed = t && (!typeModifier || t === typeModifier) && (!def.target?.length || def.target.includes(t));
    if (allowed && parsed?.targetId) return { targetType: t, targetId: parsed.targetId, url };
    return { url };
  }
  const parts = value.split('/');
  if (parts.length === 2) {
    const [type, id] = parts;
    checkType(type);
    if (!ID_RE.test(id)) throw bad('invalid id');
    return { targetType: type, targetId: id };
  }
  if (parts.length === 1 && ID_RE.test(value)) return typeModifier ? { targetType: typeModifier, targetId: value } : { targetId: value };
  throw bad('expected [type/]id or an absolute URL');
}

function parseBoolean(name: string, raw: string): boolean {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw badRequest(`Invalid value '${raw}' for '${name}': expected true or false`, name);
}

// ---- criteria ----------------------------------------------------------------------------------------

function modifierError(name: string, modifier: string, def?: SearchParamDef) {
  if (SPEC_MODIFIERS.has(modifier) || isResourceType(modifier)) {
    return badRequest(`Modifier ':${modifier}' is not supported for ${def ? `${def.type} ` : ''}search parameter '${name}'`, name);
  }
  return badRequest(`Unknown modifier ':${modifier}' on search parameter '${name}'`, name);
}

/** The terminology modifiers: recognised and their values checked, answered as unsupported until a terminology service exists. */
const TERMINOLOGY: Record<string, string> = {
  in: 'needs a terminology service to expand the ValueSet, which this server does not have yet',
  'not-in': 'needs a terminology service to expand the ValueSet, which this server does not have yet',
  above: 'needs a terminology service for subsumption, which this server does not have yet',
  below: 'needs a terminology service for subsumption, which this server does not have yet',
};

function terminologyModifier(name: string, modifier: string, values: string[], token: boolean): never {
  for (const v of values) {
    if (modifier === 'in' || modifier === 'not-in') {
      if (!/^[a-z][a-z0-9+.-]*:\S+$/i.test(unescape(v))) throw badRequest(`Invalid value '${v}' for '${name}': expected the canonical URL of a ValueSet`, name);
    } else if (token) parseTokenValue(name, v);
  }
  throw new Ignored(`the modifier ':${modifier}' ${TERMINOLOGY[modifier]}`);
}

/** A modifier the spec does not define for this parameter's type (or at all): a 400. */
function wrongModifier(name: string, modifier: string, def: SearchParamDef) {
  if (SPEC_MODIFIERS.has(modifier) || isResourceType(modifier)) {
    return badRequest(`Modifier ':${modifier}' does not apply to ${def.type} search parameter '${name}'`, name);
  }
  return badRequest(`Unknown modifier ':${modifier}' on search parameter '${name}'`, name);
}

/** `a$b[$c]` per value: each part read as a value of its component's type (rows `code#i`). */
function compositeCriterion(def: SearchParamDef, name: string, modifier: string | undefined, raw: string): Criterion {
  const components = def.components!;
  const partDef = (i: number): SearchParamDef => ({ code: `${def.code}#${i}`, type: components[i].type, base: def.base, url: def.url });
  if (modifier === 'missing') return criterionFor(partDef(0), name, modifier, raw);
  if (modifier !== undefined) throw wrongModifier(name, modifier, def);
  const values = splitEscaped(raw, ',').filter((v) => v !== '').map((v) => {
    const parts = splitEscaped(v, '$');
    if (parts.length !== components.length || parts.some((x) => x === '')) {
      throw badRequest(`Invalid value '${v}' for composite search parameter '${name}': expected ${components.map((c) => c.code).join('$')}`, name);
    }
    return parts.map((part, i) => criterionFor(partDef(i), name, undefined, part));
  });
  return { kind: 'composite', param: def.code, table: TABLE_OF[components[0].type], values };
}

function criterionFor(def: SearchParamDef, name: string, modifier: string | undefined, raw: string): Criterion {
  if (def.type === 'composite') return compositeCriterion(def, name, modifier, raw);
  const values = splitEscaped(raw, ',').filter((v) => v !== '');
  const param = def.code;
  if (modifier === 'missing') {
    return { kind: 'missing', param, table: TABLE_OF[def.type], missing: parseBoolean(name, raw) };
  }
  switch (def.type) {
    case 'token': {
      if (modifier === 'text') return { kind: 'token-text', param, values: values.map((v) => normalizeString(unescape(v))) };
      if (modifier === 'of-type') {
        // [type system]|[type code]|[identifier value], against the Identifier.type codings (rows `param:of-type`).
        return {
          kind: 'token', param: `${param}:of-type`, not: false, values: values.map((v) => {
            const parts = splitEscaped(v, '|').map(unescape);
            if (parts.length !== 3 || parts.some((x) => x === '')) throw badRequest(`Invalid value '${v}' for '${name}': expected system|code|value`, name);
            return { system: `${parts[0]}|${parts[1]}`, code: parts[2] };
          }),
        };
      }
      if (modifier !== undefined && TERMINOLOGY[modifier]) terminologyModifier(name, modifier, values, true);
      if (modifier !== undefined && modifier !== 'not') throw wrongModifier(name, modifier, def);
      return { kind: 'token', param, values: values.map((v) => parseTokenValue(name, v)), not: modifier === 'not' };
    }
    case 'string': {
      const mode = modifier === undefined ? 'starts' : modifier === 'exact' ? 'exact' : modifier === 'contains' ? 'contains' : modifier === 'text' ? 'text' : undefined;
      if (!mode) throw wrongModifier(name, modifier!, def);
      return {
        kind: 'string', param, mode,
        values: values.map((v) => (mode === 'exact' ? unescape(v) : normalizeString(unescape(v)))),
      };
    }
    case 'date':
      if (modifier !== undefined) throw wrongModifier(name, modifier, def);
      return { kind: 'date', param, values: values.map((v) => parseDateValue(name, v)) };
    case 'number':
      if (modifier !== undefined) throw wrongModifier(name, modifier, def);
      return { kind: 'number', param, values: values.map((v) => parseNumberValue(name, v)) };
    case 'quantity':
      if (modifier !== undefined) throw wrongModifier(name, modifier, def);
      return { kind: 'quantity', param, values: values.map((v) => parseQuantityValue(name, v)) };
    case 'reference': {
      if (modifier === 'identifier') {
        // Reference.identifier (rows `param:identifier`), as a token.
        return { kind: 'token', param: `${param}:identifier`, values: values.map((v) => parseTokenValue(name, v)), not: false };
      }
      if (modifier === 'above' || modifier === 'below') terminologyModifier(name, modifier, [], false);
      let typeModifier: string | undefined;
      if (modifier !== undefined) {
        if (!isResourceType(modifier)) throw wrongModifier(name, modifier, def);
        if (def.target?.length && !def.target.includes(modifier)) {
          throw badRequest(`Search parameter '${name}': '${def.code}' does not refer to ${modifier}`, name);
        }
        typeModifier = modifier;
      }
      return { kind: 'reference', param, values: values.map((v) => parseReferenceValue(def, name, v, typeModifier)) };
    }
    case 'uri': {
      const mode = modifier === undefined ? 'eq' : modifier === 'below' ? 'below' : modifier === 'above' ? 'above' : undefined;
      if (!mode) throw wrongModifier(name, modifier!, def);
      return { kind: 'uri', param, mode, values: values.map(unescape) };
    }
    default:
      throw badRequest(`Search parameter '${name}' of type ${def.type} is not supported`, name);
  }
}

function idCriterion(name: string, modifier: string | undefined, raw: string): Criterion {
  if (modifier === 'missing') return { kind: 'always', value: !parseBoolean(name, raw) };
  if (modifier !== undefined && modifier !== 'not') throw modifierError(name, modifier);
  const values = splitEscaped(raw, ',').map(unescape).filter((v) => v !== '');
  for (const v of values) if (!ID_RE.test(v)) throw badRequest(`Invalid id '${v}' for search parameter '_id'`, name);
  return { kind: 'id', values, not: modifier === 'not' };
}

function lastUpdatedCriterion(name: string, modifier: string | undefined, raw: string): Criterion {
  if (modifier === 'missing') return { kind: 'always', value: !parseBoolean(name, raw) };
  if (modifier !== undefined) throw modifierError(name, modifier);
  return { kind: 'lastUpdated', values: splitEscaped(raw, ',').filter((v) => v !== '').map((v) => parseDateValue(name, v)) };
}

// ---- criteria: plain, chained and reverse-chained ------------------------------------------------------

/** A parameter left out of the search, with the reason (reported in the outcome entry, or a 400 when strict). */
class Ignored extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** Links of chains and `_has` followed from the searched type; deeper requests are a 400. */
export const MAX_CHAIN_DEPTH = 6;

interface CriterionContext {
  /** Resource types read through chains and `_has` (the store checks the client may search them). */
  related: Set<string>;
  depth: number;
}

const deeper = (ctx: CriterionContext, name: string): CriterionContext => {
  if (ctx.depth + 1 > MAX_CHAIN_DEPTH) throw badRequest(`Search parameter '${name}' chains more than ${MAX_CHAIN_DEPTH} links`, name);
  return { related: ctx.related, depth: ctx.depth + 1 };
};

/** Whether a reference parameter can point at the type. */
const refersTo = (def: SearchParamDef, type: string) => !def.target?.length || def.target.includes(type) || def.target.includes('Resource');

/**
 * One criterion parameter against a resource type: `name[:modifier]`, a chain
 * `ref[:Type].rest`, or reverse chaining `_has:Type:ref:rest` (each `rest` parsed the same way
 * against the type it reaches). Unknown and unsupported parameters throw Ignored; a value of the
 * wrong form is a 400.
 */
function parseCriterion(type: string, fullName: string, value: string, ctx: CriterionContext): Criterion {
  if (fullName.startsWith('_has:') || fullName === '_has') return parseHas(type, fullName, value, ctx);
  const dot = fullName.indexOf('.');
  if (dot >= 0) return parseChain(type, fullName, dot, value, ctx);
  const colon = fullName.indexOf(':');
  const name = colon < 0 ? fullName : fullName.slice(0, colon);
  const modifier = colon < 0 ? undefined : fullName.slice(colon + 1);
  if (name === '_id') return idCriterion(fullName, modifier, value);
  if (name === '_lastUpdated') return lastUpdatedCriterion(fullName, modifier, value);
  if (name === '_filter') {
    if (modifier !== undefined) throw badRequest(`Unknown modifier ':${modifier}' on search parameter '${fullName}'`, fullName);
    return filterCriterion(type, value, ctx);
  }
  if (name === '_content' || name === '_text') {
    if (modifier !== undefined) throw badRequest(`Unknown modifier ':${modifier}' on search parameter '${fullName}'`, fullName);
    const values = splitEscaped(value, ',').map(unescape).map((v) => v.trim()).filter((v) => v !== '');
    return { kind: 'fulltext', of: name === '_content' ? 'content' : 'narrative', values };
  }
  if (UNSUPPORTED.has(name)) throw new Ignored('not supported by this server');
  const def = getSearchParam(type, name);
  if (!def) throw new Ignored(`unknown search parameter for ${type}`);
  if (!isIndexed(def)) throw new Ignored(`${def.type} search parameters are not supported`);
  return criterionFor(def, fullName, modifier, value);
}

/** `_has:Type:ref:rest`: resources that a live `Type` refers to through `ref`, where the `Type` matches `rest`. */
function parseHas(type: string, fullName: string, value: string, ctx: CriterionContext): Criterion {
  const parts = fullName.split(':');
  if (parts.length < 4 || parts.slice(1, 4).some((x) => x === '')) {
    throw badRequest(`Invalid '${fullName}': expected _has:Type:reference-parameter:parameter`, fullName);
  }
  const [, hasType, param] = parts;
  const rest = parts.slice(3).join(':');
  if (!isResourceType(hasType)) throw badRequest(`Invalid '${fullName}': unknown resource type '${hasType}'`, fullName);
  const def = getSearchParam(hasType, param);
  if (!def) throw new Ignored(`unknown search parameter '${param}' for ${hasType}`);
  if (def.type !== 'reference') throw badRequest(`Invalid '${fullName}': '${param}' is not a reference search parameter of ${hasType}`, fullName);
  if (!refersTo(def, type)) throw badRequest(`Invalid '${fullName}': '${param}' of ${hasType} does not refer to ${type}`, fullName);
  const inner = deeper(ctx, fullName);
  const criterion = parseCriterion(hasType, rest, value, inner);
  ctx.related.add(hasType);
  return { kind: 'has', type: hasType, param, criteria: [criterion] };
}

/**
 * `ref[:Type].rest`: resources whose reference `ref` points at a live resource matching `rest`.
 * Without a type, every target type of `ref` that `rest` applies to is searched (targets where it
 * is unknown or of another form are left out; if it applies to none, the first reason stands).
 */
function parseChain(type: string, fullName: string, dot: number, value: string, ctx: CriterionContext): Criterion {
  const head = fullName.slice(0, dot);
  const rest = fullName.slice(dot + 1);
  const colon = head.indexOf(':');
  const code = colon < 0 ? head : head.slice(0, colon);
  const typeModifier = colon < 0 ? undefined : head.slice(colon + 1);
  if (!code || !rest) throw badRequest(`Invalid chained parameter '${fullName}'`, fullName);
  const def = getSearchParam(type, code);
  if (!def) throw new Ignored(`unknown search parameter '${code}' for ${type}`);
  if (def.type !== 'reference') {
    throw badRequest(`Invalid chained parameter '${fullName}': '${code}' is a ${def.type} parameter; only reference parameters can be chained`, fullName);
  }
  let targets: string[];
  if (typeModifier !== undefined) {
    if (!isResourceType(typeModifier)) throw badRequest(`Invalid chained parameter '${fullName}': unknown resource type '${typeModifier}'`, fullName);
    if (!refersTo(def, typeModifier)) throw badRequest(`Invalid chained parameter '${fullName}': '${code}' does not refer to ${typeModifier}`, fullName);
    targets = [typeModifier];
  } else {
    targets = !def.target?.length || def.target.includes('Resource') ? resourceTypes() : def.target.filter(isResourceType);
  }
  const inner = deeper(ctx, fullName);
  const branches = new Map<string, ChainBranch>();
  let firstError: unknown;
  for (const target of targets) {
    const related = new Set<string>();
    let criterion: Criterion;
    try {
      criterion = parseCriterion(target, rest, value, { related, depth: inner.depth });
    } catch (e) {
      if (targets.length === 1) throw e;
      firstError ??= e;
      continue;
    }
    for (const t of related) ctx.related.add(t);
    ctx.related.add(target);
    const key = JSON.stringify(criterion);
    const branch = branches.get(key);
    if (branch) branch.types.push(target);
    else branches.set(key, { types: [target], criteria: [criterion] });
  }
  if (branches.size === 0) throw firstError instanceof Error ? firstError : new Ignored(`'${code}' refers to no type with '${rest}'`);
  return { kind: 'chain', param: code, branches: [...branches.values()] };
}

// ---- _filter ------------------------------------------------------------------------------------------------

/** The criterion a chain or `_has` ends in, replaced by `f` of it (the chain kept around it). */
function mapLeaf(c: Criterion, f: (leaf: Criterion) => Criterion): Criterion {
  if (c.kind === 'chain') return { ...c, branches: c.branches.map((b) => ({ ...b, criteria: b.criteria.map((x) => mapLeaf(x, f)) })) };
  if (c.kind === 'has') return { ...c, criteria: c.criteria.map((x) => mapLeaf(x, f)) };
  return f(c);
}

function leafKinds(c: Criterion): string[] {
  if (c.kind === 'chain') return c.branches.flatMap((b) => b.criteria.flatMap(leafKinds));
  if (c.kind === 'has') return c.criteria.flatMap(leafKinds);
  return [c.kind];
}

const ORDERED = new Set(['date', 'number', 'quantity', 'lastUpdated']);
const STRING_MODE: Partial<Record<FilterOperator, 'contains' | 'starts' | 'ends' | 'equals'>> = { co: 'contains', sw: 'starts', ew: 'ends', eq: 'equals' };
const TERMINOLOGY_OP: Partial<Record<FilterOperator, string>> = { in: 'in', ni: 'not-in', ss: 'below', sb: 'above' };

/**
 * One `_filter` comparison as the criterion of the parameter it names (chains and `_has` paths
 * included): the operator becomes the prefix, modifier or string mode an ordinary search would use.
 */
function filterLeaf(type: string, path: string, op: FilterOperator, value: string, ctx: CriterionContext): Criterion {
  const where = `_filter '${path} ${op} ${value}'`;
  if (path.includes('[')) throw new Ignored(`${where}: filters inside a parameter path are not supported`);
  const parse = (name: string, v: string) => {
    try {
      return parseCriterion(type, name, v, ctx);
    } catch (e) {
      if (e instanceof Ignored) throw new Ignored(`${where}: ${e.reason}`);
      throw e;
    }
  };
  // A value as one search value: commas and backslashes are literal here.
  const v = value.replace(/[\\,]/g, (ch) => `\\${ch}`);
  if (op === 'pr') {
    if (value !== 'true' && value !== 'false') throw badRequest(`Invalid ${where}: pr takes true or false`, '_filter');
    return parse(`${path}:missing`, value === 'true' ? 'false' : 'true');
  }
  const terminology = TERMINOLOGY_OP[op];
  if (terminology) return parse(`${path}:${terminology}`, v);
  const base = parse(path, v);
  const kinds = leafKinds(base);
  const all = (ks: string[]) => kinds.every((k) => ks.includes(k));
  const notApplicable = () => badRequest(`Invalid ${where}: '${op}' does not apply to ${[...new Set(kinds)].join('/')} parameters`, '_filter');
  if (all(['string'])) {
    if (op === 'ne') return { kind: 'not', item: mapLeaf(base, (c) => ({ ...c, mode: 'equals' }) as Criterion) };
    const mode = STRING_MODE[op];
    if (!mode) throw notApplicable();
    return mapLeaf(base, (c) => ({ ...c, mode }) as Criterion);
  }
  if (kinds.every((k) => ORDERED.has(k))) {
    if (op === 'po') {
      if (!all(['date', 'lastUpdated'])) throw notApplicable();
      return mapLeaf(base, (c) => ({ ...c, values: (c as { values: DateValue[] }).values.map((x) => ({ ...x, prefix: 'po' })) }) as Criterion);
    }
    if (!['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'].includes(op)) throw notApplicable();
    return op === 'eq' ? base : parse(path, `${op}${v}`);
  }
  // token, reference, uri, _id, composite: equality, its negation, `re` for references.
  if (op === 'eq' || (op === 're' && all(['reference']))) return base;
  if (op === 'ne') return { kind: 'not', item: base };
  if (op === 'sw' && all(['uri'])) return mapLeaf(base, (c) => ({ ...c, mode: 'below' }) as Criterion);
  throw notApplicable();
}

function filterCriterion(type: string, expression: string, ctx: CriterionContext): Criterion {
  const toCriterion = (n: FilterNode<Criterion>): Criterion =>
    n.kind === 'leaf' ? n.value : n.kind === 'not' ? { kind: 'not', item: toCriterion(n.item) } : { kind: n.kind, items: n.items.map(toCriterion) };
  return toCriterion(parseFilter(expression, (path, op, value) => filterLeaf(type, path, op, value, ctx)));
}

// ---- result parameters ---------------------------------------------------------------------------------

function parseInclude(resourceType: string, name: string, modifier: string | undefined, raw: string, reverse: boolean): IncludeSpec {
  let iterate = false;
  if (modifier === 'iterate' || modifier === 'recurse') iterate = true;
  else if (modifier !== undefined) throw modifierError(`${name}:${modifier}`, modifier);
  if (raw === '*') return { sourceType: reverse || iterate ? '*' : resourceType, param: '*', iterate };
  const parts = raw.split(':');
  if (parts.length < 2 || parts.length > 3) {
    throw badRequest(`Invalid ${name} '${raw}': expected SourceType:parameter[:TargetType]`, name);
  }
  const [sourceType, param, targetType] = parts;
  if (!isResourceType(sourceType)) throw badRequest(`Invalid ${name} '${raw}': unknown resource type '${sourceType}'`, name);
  if (param !== '*') {
    const def = getSearchParam(sourceType, param);
    if (!def || def.type !== 'reference') {
      throw badRequest(`Invalid ${name} '${raw}': '${param}' is not a reference search parameter of ${sourceType}`, name);
    }
    if (targetType !== undefined && def.target?.length && !def.target.includes(targetType) && isResourceType(targetType)) {
      throw badRequest(`Invalid ${name} '${raw}': '${param}' does not refer to ${targetType}`, name);
    }
  }
  if (targetType !== undefined && !isResourceType(targetType)) {
    throw badRequest(`Invalid ${name} '${raw}': unknown resource type '${targetType}'`, name);
  }
  return { sourceType, param, iterate, ...(targetType !== undefined ? { targetType } : {}) };
}

function parseSort(resourceType: string, raw: string): SortKey[] {
  return raw.split(',').map((s) => s.trim()).filter((s) => s !== '').map((key) => {
    const descending = key.startsWith('-');
    const param = descending ? key.slice(1) : key;
    if (param !== '_id' && param !== '_lastUpdated') {
      if (resourceType === '*') throw badRequest(`Invalid _sort: a search across types sorts by _id or _lastUpdated only, not '${param}'`, '_sort');
      const def = getSearchParam(resourceType, param);
      if (!def || !isIndexed(def)) throw badRequest(`Invalid _sort: cannot sort by '${param}', not a search parameter of ${resourceType}`, '_sort');
    }
    return { param, descending };
  });
}

// ---- the request -----------------------------------------------------------------------------------------

export function parseSearch(resourceType: string, params: [string, string][], options: ParseOptions): ParsedSearch {
  if (!isResourceType(resourceType)) throw badRequest(`Unknown resource type '${resourceType}'`);
  return parseRequest(resourceType, undefined, params, options);
}

/**
 * A system-level search (`GET [base]?…`, `POST [base]/_search`): across the types of `_type`
 * (every type when absent). A criterion must read the same way in every type searched (the common
 * parameters `_id`, `_lastUpdated`, `_tag`, `_profile`…, or one all the `_type` types define
 * alike); otherwise it is ignored with the reason (a 400 when strict).
 */
export function parseSystemSearch(params: [string, string][], options: ParseOptions): ParsedSearch {
  const types = new Set<string>();
  for (const [name, value] of params) {
    if (name !== '_type') continue;
    for (const t of value.split(',').map((x) => x.trim()).filter((x) => x)) {
      if (!isResourceType(t)) throw badRequest(`Unknown resource type '${t}' in _type`, '_type');
      types.add(t);
    }
  }
  return parseRequest('*', types.size ? [...types] : undefined, params, options);
}

/** One criterion that must parse the same in every type searched. */
function parseAcross(types: string[], fullName: string, value: string, ctx: CriterionContext): Criterion {
  let first: Criterion | undefined;
  let key = '';
  for (const type of types) {
    const c = parseCriterion(type, fullName, value, ctx);
    const k = JSON.stringify(c);
    if (first === undefined) {
      first = c;
      key = k;
    } else if (k !== key) {
      throw new Ignored(`not defined alike for every type searched (${type} differs); name the types with _type`);
    }
  }
  return first!;
}

function parseRequest(resourceType: string, types: string[] | undefined, params: [string, string][], options: ParseOptions): ParsedSearch {
  const system = resourceType === '*';
  const out: ParsedSearch = {
    resourceType, criteria: [], count: Math.min(options.defaultCount, options.maxCount), sort: [], include: [], revinclude: [],
    ignored: [], selfParams: [],
  };
  if (types) out.types = types;
  const criteria: Criterion[] = [];
  const ctx: CriterionContext = { related: new Set(), depth: 0 };
  let countIndex = -1;
  const ignore = (name: string, reason: string) => {
    if (options.strict) throw badRequest(`Search parameter '${name}': ${reason}`, name);
    out.ignored.push({ name, reason });
  };

  for (const [fullName, rawValue] of params) {
    // Criteria also come from bundle entries, If-None-Exist and conditional references, not only URLs.
    requireValidString(fullName, `Search parameter name '${fullName.slice(0, 64)}'`, fullName.slice(0, 64));
    requireValidString(rawValue, `The value of search parameter '${fullName.slice(0, 64)}'`, fullName.slice(0, 64));
    const value = rawValue.trim();
    const colon = fullName.indexOf(':');
    const name = colon < 0 ? fullName : fullName.slice(0, colon);
    const modifier = colon < 0 ? undefined : fullName.slice(colon + 1);
    const keep = (v = value) => out.selfParams.push([fullName, v]);

    if (QUIET.has(name)) continue;
    if (name === '_cursor') {
      if (value) out.cursor = value;
      continue;
    }
    if (value === '') {
      // The spec: a parameter with an empty value is ignored.
      out.ignored.push({ name: fullName, reason: 'empty value' });
      continue;
    }
    if (modifier !== undefined && name.startsWith('_') && !['_include', '_revinclude', '_id', '_lastUpdated', '_has'].includes(name) && !name.includes('.') && !getSearchParam(system ? (types?.[0] ?? 'Basic') : resourceType, name)) {
      throw modifierError(fullName, modifier);
    }
    if (system && name === '_type') {
      if (modifier !== undefined) throw modifierError(fullName, modifier);
      keep((types ?? []).join(','));
      continue;
    }
    switch (name) {
      case '_count': {
        if (!/^\d+$/.test(value)) throw badRequest(`Invalid _count '${value}': expected a non-negative integer`, '_count');
        out.count = Math.min(Number(value), options.maxCount);
        if (countIndex >= 0) out.selfParams.splice(countIndex, 1);
        countIndex = out.selfParams.length;
        keep(String(out.count));
        continue;
      }
      case '_sort':
        out.sort = parseSort(resourceType, value);
        keep(out.sort.map((s) => (s.descending ? '-' : '') + s.param).join(','));
        continue;
      case '_include':
      case '_revinclude':
        for (const v of value.split(',').map((s) => s.trim()).filter((s) => s)) {
          (name === '_include' ? out.include : out.revinclude).push(parseInclude(resourceType, name, modifier, v, name === '_revinclude'));
        }
        keep();
        continue;
      case '_summary':
        if (!(SUMMARY as readonly string[]).includes(value)) throw badRequest(`Invalid _summary '${value}': expected one of ${SUMMARY.join(', ')}`, '_summary');
        out.summary = value as ParsedSearch['summary'];
        keep();
        continue;
      case '_total':
        if (!(TOTAL as readonly string[]).includes(value)) throw badRequest(`Invalid _total '${value}': expected one of ${TOTAL.join(', ')}`, '_total');
        out.total = value as ParsedSearch['total'];
        keep();
        continue;
      case '_elements': {
        const elements = value.split(',').map((s) => s.trim()).filter((s) => s);
        for (const e of elements) if (!/^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/.test(e)) throw badRequest(`Invalid _elements entry '${e}'`, '_elements');
        out.elements = elements;
        keep(elements.join(','));
        continue;
      }
    }
    try {
      criteria.push(system ? parseAcross(types ?? resourceTypes(), fullName, value, ctx) : parseCriterion(resourceType, fullName, value, ctx));
      keep();
    } catch (e) {
      if (!(e instanceof Ignored)) throw e;
      ignore(fullName, e.reason);
    }
  }
  out.criteria = criteria;
  ctx.related.delete(resourceType);
  if (ctx.related.size) out.related = [...ctx.related].sort();
  return out;
}
