/**
 * Index rows for a resource: every indexed search parameter of its type, evaluated and converted to
 * the row shape of its search type. Pure; the store writes the rows in the resource's transaction.
 */
import { isIndexed, isIndexedComposite, PLAIN_PATH, searchParamsOf } from './definitions';
import { parseDateRange, spanRange, NEG_INFINITY, POS_INFINITY } from './dates';
import { compileExpression, type Evaluator, type TypedValue } from './path-evaluator';
import { parseReference } from './references';
import type { IndexRows, SearchParamDef, SearchParamType } from './types';

interface CompiledParam {
  code: string;
  type: SearchParamType;
  evaluate: Evaluator;
}

/**
 * A composite parameter for one type: per path its elements are found at (a union member of its
 * expression), the elements and each component's values within one element.
 */
interface CompiledComposite {
  code: string;
  bases: { segments: string[]; elements: Evaluator; components: { type: SearchParamType; evaluate: Evaluator }[] }[];
}

const plans = new Map<string, { params: CompiledParam[]; composites: CompiledComposite[] }>();

function compileComposite(resourceType: string, def: SearchParamDef): CompiledComposite {
  const bases = def.expression!.split('|').map((x) => x.trim())
    .filter((part) => PLAIN_PATH.test(part) && part.split('.')[0] === resourceType)
    .map((part) => ({
      segments: part.split('.').slice(1),
      elements: compileExpression(resourceType, part),
      // A component's expression is relative to the element: rooted here at the element's path,
      // and evaluated on a copy of the resource holding that one element.
      components: def.components!.map((c) => ({
        type: c.type,
        evaluate: compileExpression(resourceType, c.expression.split('|').map((x) => `${part}.${x.trim()}`).join(' | ')),
      })),
    }));
  return { code: def.code, bases };
}

function planFor(resourceType: string) {
  let plan = plans.get(resourceType);
  if (!plan) {
    const defs = searchParamsOf(resourceType).filter(isIndexed);
    plan = {
      params: defs.filter((d) => d.type !== 'composite').map((def) => ({ code: def.code, type: def.type, evaluate: compileExpression(resourceType, def.expression!) })),
      composites: defs.filter(isIndexedComposite).map((def) => compileComposite(resourceType, def)),
    };
    plans.set(resourceType, plan);
  }
  return plan;
}

/** The resource as seen from one element at a path: only that element, so a component's values are the element's own. */
function holding(resourceType: string, segments: string[], element: unknown): Record<string, unknown> {
  if (segments.length === 0) return element as Record<string, unknown>;
  let o: unknown = element;
  for (let i = segments.length - 1; i >= 0; i--) o = { [segments[i]]: o };
  return { ...(o as Record<string, unknown>), resourceType };
}

/** Lower case without diacritics: what string search compares. */
export function normalizeString(s: string): string {
  // Most text is ASCII: skip Unicode decomposition when there is nothing to strip.
  // eslint-disable-next-line no-control-regex
  const base = /[^\x00-\x7f]/.test(s) ? s.normalize('NFD').replace(/[\u0300-\u036f]/g, '') : s;
  return base.toLowerCase();
}

type Obj = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Shape-based type for values whose type the model could not tell (fhirpath fallback results). */
function inferType(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'number') return 'decimal';
  if (!isObj(v)) return '';
  if ('coding' in v || ('text' in v && Object.keys(v).length === 1)) return 'CodeableConcept';
  if ('reference' in v || 'identifier' in v) return 'Reference';
  if ('start' in v || 'end' in v) return 'Period';
  if ('family' in v || 'given' in v) return 'HumanName';
  if ('value' in v && ('unit' in v || 'code' in v || 'currency' in v || typeof v.value === 'number')) return 'Quantity';
  if ('code' in v) return 'Coding';
  if ('value' in v) return 'Identifier';
  return '';
}

class RowSet {
  readonly rows: IndexRows = { token: [], string: [], date: [], number: [], quantity: [], reference: [], uri: [] };
  private readonly seen = new Set<string>();
  /** The composite element being written (undefined for plain parameters). */
  group: number | undefined;

  private once(key: string): boolean {
    const k = this.group === undefined ? key : `${key}\u0000${this.group}`;
    if (this.seen.has(k)) return false;
    this.seen.add(k);
    return true;
  }
  private grp<T extends object>(row: T): T & { grp?: number } {
    return this.group === undefined ? row : { ...row, grp: this.group };
  }
  token(param: string, system: string | null, code: string | null, text: string | null): void {
    if (system === null && code === null && text === null) return;
    if (this.once(`t\u0000${param}\u0000${system}\u0000${code}\u0000${text}`)) this.rows.token.push(this.grp({ param, system, code, text }));
  }
  string(param: string, exact: string | null): void {
    if (exact === null) return;
    if (this.once(`s\u0000${param}\u0000${exact}`)) this.rows.string.push(this.grp({ param, value: normalizeString(exact), exact }));
  }
  date(param: string, lo: string, hi: string): void {
    if (this.once(`d\u0000${param}\u0000${lo}\u0000${hi}`)) this.rows.date.push(this.grp({ param, lo, hi }));
  }
  number(param: string, value: string): void {
    if (this.once(`n\u0000${param}\u0000${value}`)) this.rows.number.push(this.grp({ param, value }));
  }
  quantity(param: string, value: string, system: string | null, code: string | null): void {
    if (this.once(`q\u0000${param}\u0000${value}\u0000${system}\u0000${code}`)) this.rows.quantity.push(this.grp({ param, value, system, code }));
  }
  reference(param: string, targetType: string | null, targetId: string | null, url: string | null): void {
    if (this.once(`r\u0000${param}\u0000${targetType}\u0000${targetId}\u0000${url}`)) {
      this.rows.reference.push(this.grp({ param, targetType, targetId, url }));
    }
  }
  uri(param: string, value: string | null): void {
    if (value !== null && this.once(`u\u0000${param}\u0000${value}`)) this.rows.uri.push(this.grp({ param, value }));
  }
}

// ---- conversions by search type ------------------------------------------------------------------

function addToken(rows: RowSet, param: string, v: unknown, type: string): void {
  switch (type) {
    case 'CodeableConcept': {
      if (!isObj(v)) return;
      const text = str(v.text);
      const codings = Array.isArray(v.coding) ? v.coding : [];
      for (const c of codings) if (isObj(c)) rows.token(param, str(c.system), str(c.code), text ?? str(c.display));
      if (codings.length === 0 && text) rows.token(param, null, null, text);
      return;
    }
    case 'Coding':
      if (isObj(v)) rows.token(param, str(v.system), str(v.code), str(v.display));
      return;
    case 'Identifier':
      if (!isObj(v)) return;
      rows.token(param, str(v.system), str(v.value), isObj(v.type) ? str(v.type.text) : null);
      // `:of-type`: the identifier's value under each of its type codings, as `system|code`.
      if (isObj(v.type) && Array.isArray(v.type.coding) && str(v.value)) {
        for (const c of v.type.coding) {
          if (isObj(c) && str(c.system) && str(c.code)) rows.token(`${param}:of-type`, `${c.system as string}|${c.code as string}`, str(v.value), null);
        }
      }
      return;
    case 'ContactPoint':
      // The contact point's own system (phone, email…) serves as the token system.
      if (isObj(v)) rows.token(param, str(v.system), str(v.value), null);
      return;
    case 'boolean':
      if (typeof v === 'boolean') rows.token(param, null, String(v), null);
      return;
    case 'Reference':
      return;
    default:
      if (typeof v === 'string') rows.token(param, null, v === '' ? null : v, null);
      else if (typeof v === 'boolean') rows.token(param, null, String(v), null);
      else if (typeof v === 'number') rows.token(param, null, String(v), null);
      else if (isObj(v) && type === '') {
        const inferred = inferType(v);
        if (inferred) addToken(rows, param, v, inferred);
      }
  }
}

function addStrings(rows: RowSet, param: string, values: unknown): void {
  if (Array.isArray(values)) for (const x of values) rows.string(param, str(x));
  else rows.string(param, str(values));
}

function addString(rows: RowSet, param: string, v: unknown, type: string): void {
  if (typeof v === 'string') return rows.string(param, str(v));
  if (!isObj(v)) return;
  switch (type || inferType(v)) {
    case 'HumanName':
      addStrings(rows, param, v.text);
      addStrings(rows, param, v.family);
      addStrings(rows, param, v.given);
      addStrings(rows, param, v.prefix);
      addStrings(rows, param, v.suffix);
      return;
    case 'Address':
      for (const k of ['text', 'line', 'city', 'district', 'state', 'postalCode', 'country']) addStrings(rows, param, v[k]);
      return;
    case 'CodeableConcept':
      addStrings(rows, param, v.text);
      return;
    case 'Coding':
      addStrings(rows, param, v.display);
      return;
    case 'Identifier':
    case 'ContactPoint':
      addStrings(rows, param, v.value);
      return;
    case 'Annotation':
      addStrings(rows, param, v.text);
  }
}

function addDate(rows: RowSet, param: string, v: unknown, type: string): void {
  if (typeof v === 'string') {
    const r = parseDateRange(v);
    if (r) rows.date(param, r.lo, r.hi);
    return;
  }
  if (!isObj(v)) return;
  switch (type || inferType(v)) {
    case 'Period': {
      const span = spanRange(
        typeof v.start === 'string' ? parseDateRange(v.start) : undefined,
        typeof v.end === 'string' ? parseDateRange(v.end) : undefined,
      );
      if (span) rows.date(param, span.lo, span.hi);
      return;
    }
    case 'Timing': {
      // From the first event to the last; without events, the repeat bounds.
      const events = (Array.isArray(v.event) ? v.event : [])
        .map((e) => (typeof e === 'string' ? parseDateRange(e) : undefined))
        .filter((e) => e !== undefined);
      if (events.length) {
        const lo = events.reduce((a, b) => (b.loMs < a.loMs ? b : a));
        const hi = events.reduce((a, b) => (b.hiMs > a.hiMs ? b : a));
        rows.date(param, lo.lo, hi.hi);
      } else if (isObj(v.repeat) && isObj(v.repeat.boundsPeriod)) {
        addDate(rows, param, v.repeat.boundsPeriod, 'Period');
      }
      return;
    }
  }
}

function decimalText(v: unknown): string | null {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'string' && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(v)) return v;
  return null;
}

function addNumber(rows: RowSet, param: string, v: unknown, type: string): void {
  const direct = decimalText(v);
  if (direct !== null) return rows.number(param, direct);
  if (isObj(v) && (type === 'Quantity' || type === 'Age' || type === 'Duration' || type === '')) {
    const q = decimalText(v.value);
    if (q !== null) rows.number(param, q);
  }
}

const QUANTITY_TYPES = new Set(['Quantity', 'Age', 'Duration', 'Distance', 'Count', 'SimpleQuantity', 'MoneyQuantity']);

function addQuantity(rows: RowSet, param: string, v: unknown, type: string): void {
  if (!isObj(v)) {
    const n = decimalText(v);
    if (n !== null) rows.quantity(param, n, null, null);
    return;
  }
  const t = type || inferType(v);
  if (t === 'Money' || 'currency' in v) {
    const n = decimalText(v.value);
    if (n !== null) rows.quantity(param, n, 'urn:iso:std:iso:4217', str(v.currency));
  } else if (QUANTITY_TYPES.has(t)) {
    const n = decimalText(v.value);
    if (n !== null) rows.quantity(param, n, str(v.system), str(v.code) ?? str(v.unit));
  } else if (t === 'Range') {
    // A range is indexed by its bounds, so value comparisons find either end.
    if (isObj(v.low)) addQuantity(rows, param, v.low, 'Quantity');
    if (isObj(v.high)) addQuantity(rows, param, v.high, 'Quantity');
  }
}

function addReference(rows: RowSet, param: string, v: unknown, type: string): void {
  if (typeof v === 'string') {
    // canonical / uri: the URL, without a `|version` suffix.
    const url = v.split('|')[0];
    if (url) rows.reference(param, null, null, url);
    return;
  }
  if (!isObj(v) || (type !== 'Reference' && type !== '' && !('reference' in v) && !('identifier' in v))) return;
  // `:identifier`: a logical reference's identifier, as a token row.
  if (isObj(v.identifier)) rows.token(`${param}:identifier`, str(v.identifier.system), str(v.identifier.value), null);
  if (typeof v.reference !== 'string') return;
  const parsed = parseReference(v.reference);
  if (parsed) rows.reference(param, parsed.targetType, parsed.targetId, parsed.url);
}

function addUri(rows: RowSet, param: string, v: unknown): void {
  if (typeof v === 'string') rows.uri(param, str(v));
}

function convert(rows: RowSet, param: string, searchType: SearchParamType, tv: TypedValue): void {
  const { value, type } = tv;
  switch (searchType) {
    case 'token':
      return addToken(rows, param, value, type);
    case 'string':
      return addString(rows, param, value, type);
    case 'date':
      return addDate(rows, param, value, type);
    case 'number':
      return addNumber(rows, param, value, type);
    case 'quantity':
      return addQuantity(rows, param, value, type);
    case 'reference':
      return addReference(rows, param, value, type);
    case 'uri':
      return addUri(rows, param, value);
  }
}

export function extractIndexRows(resource: { resourceType: string } & Record<string, unknown>): IndexRows {
  const rows = new RowSet();
  const plan = planFor(resource.resourceType);
  for (const p of plan.params) {
    for (const tv of p.evaluate(resource)) convert(rows, p.code, p.type, tv);
  }
  let group = 0;
  for (const c of plan.composites) {
    for (const base of c.bases) {
      for (const element of base.elements(resource)) {
        rows.group = group++;
        const view = holding(resource.resourceType, base.segments, element.value);
        base.components.forEach((comp, i) => {
          for (const tv of comp.evaluate(view)) convert(rows, `${c.code}#${i}`, comp.type, tv);
        });
      }
    }
  }
  rows.group = undefined;
  return rows.rows;
}

export { NEG_INFINITY, POS_INFINITY };
