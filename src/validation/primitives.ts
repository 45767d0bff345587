/**
 * Primitive values and the JSON representation rules that the official JSON schema does not (fully)
 * enforce: calendar-valid dates, integer ranges, base64, ids and codes inside nested resources;
 * empty strings, objects and arrays (ele-1 and the JSON format rules); nulls in arrays; `_x`
 * siblings; at most one value[x] variant; required elements the schema cannot require (primitives,
 * which may be present only as `_name`, and choice elements).
 */
import { issue } from '../outcomes';
import type { Issue, ValidationStage } from './types';
import { getFhirModel, type Container, type ElementDef, type FhirModel } from './primitives-model';
import { walkResource, type Json, type WalkNode } from './primitives-walk';

const YEAR = '([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)';
const TZ = '(Z|(\\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))';
const TIME = '([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?';

/**
 * The R4 regexes (http://hl7.org/fhir/R4/datatypes.html), anchored. They are XML Schema regexes, where
 * \s is only space, tab, CR and LF: JavaScript's \s also matches NBSP and other Unicode spaces, so
 * the whitespace classes are spelt out (the JSON schema's literal copies wrongly reject a string
 * containing a non-breaking space).
 */
const PATTERNS: Record<string, RegExp> = {
  id: /^[A-Za-z0-9\-.]{1,64}$/,
  date: new RegExp(`^${YEAR}(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1]))?)?$`),
  dateTime: new RegExp(`^${YEAR}(-(0[1-9]|1[0-2])(-(0[1-9]|[1-2][0-9]|3[0-1])(T${TIME}${TZ})?)?)?$`),
  instant: new RegExp(`^${YEAR}-(0[1-9]|1[0-2])-(0[1-9]|[1-2][0-9]|3[0-1])T${TIME}${TZ}$`),
  time: new RegExp(`^${TIME}$`),
  code: /^[^ \t\r\n]+([ \t\r\n][^ \t\r\n]+)*$/,
  uri: /^[^ \t\r\n]+$/,
  url: /^[^ \t\r\n]+$/,
  canonical: /^[^ \t\r\n]+$/,
  oid: /^urn:oid:[0-2](\.(0|[1-9][0-9]*))+$/,
  uuid: /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  base64Binary: /^([ \t\r\n]*([0-9a-zA-Z+/=]){4}[ \t\r\n]*)+$/,
  // string and markdown: `[ \r\n\t\S]+` in XML Schema is any non-empty text (checked below).
};

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function daysInMonth(year: number, month: number): number {
  return month === 2 ? (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** The regexes accept 2026-02-30; the spec says dates SHALL be valid dates. */
function calendarValid(v: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(v);
  return !m || Number(m[3]) <= daysInMonth(Number(m[1]), Number(m[2]));
}

/** Why `value` is not a valid `type`, or undefined when it is. Exported for the tests and the profile stage. */
export function checkPrimitive(type: string, value: unknown): string | undefined {
  switch (type) {
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be a JSON boolean';
    case 'integer':
    case 'positiveInt':
    case 'unsignedInt': {
      if (typeof value !== 'number') return 'must be a JSON number';
      if (!Number.isInteger(value)) return `${value} is not an integer`;
      const min = type === 'positiveInt' ? 1 : type === 'unsignedInt' ? 0 : INT32_MIN;
      if (value < min || value > INT32_MAX) return `${value} is out of range for ${type} (${min}..${INT32_MAX})`;
      return undefined;
    }
    case 'decimal':
      if (typeof value !== 'number') return 'must be a JSON number';
      return Number.isFinite(value) ? undefined : 'is not a finite decimal';
    case 'xhtml':
      if (typeof value !== 'string' || value.length === 0) return 'must be a non-empty string';
      return /^\s*<div[\s>]/.test(value) ? undefined : 'narrative must be an XHTML <div> element';
    default: {
      if (typeof value !== 'string') return 'must be a JSON string';
      if (value.length === 0) return 'empty strings are not allowed in FHIR';
      const re = PATTERNS[type];
      if (re && !re.test(value)) return `'${truncate(value)}' is not a valid ${type}`;
      if ((type === 'date' || type === 'dateTime' || type === 'instant') && !calendarValid(value)) {
        return `'${truncate(value)}' is not a valid calendar date`;
      }
      return undefined;
    }
  }
}

const truncate = (s: string) => (s.length > 80 ? `${s.slice(0, 77)}...` : s);

/** Runs the primitive and representation checks over a resource (and the resources nested in it). */
export function checkPrimitives(resource: Json, model: FhirModel = getFhirModel()): Issue[] {
  const out: Issue[] = [];
  walkResource(model, resource, {
    visit(node: WalkNode) {
      if (!node.def || !model.isPrimitive(node.type)) return;
      if (node.value === undefined || node.value === null) return; // extension-only primitive
      const problem = checkPrimitive(node.type, node.value);
      if (problem) {
        const jsonType = problem.startsWith('must be a JSON');
        out.push(issue('error', jsonType ? 'structure' : 'value', `Invalid ${node.type} value: ${problem}`, node.path));
      }
    },
    object(node, obj, container) {
      checkObject(model, node, obj, container, out);
    },
  });
  return out;
}

const NO_ITEMS: readonly unknown[] = Object.freeze([]);
const NO_CHOICES = new Map<string, string[]>();
/** The location of an element of the object at `node`, as findings name it (`Observation.value[x]`). */
const elementAt = (node: WalkNode, def: ElementDef) => `${node.path}.${def.choice ? `${def.name}[x]` : def.name}`;

function checkObject(model: FhirModel, node: WalkNode, obj: Json, container: Container, out: Issue[]): void {
  const isResourceRoot = node.def === undefined && node.type !== 'Element';
  const keys = Object.keys(obj);
  // ele-1 in JSON: an element needs a value or a child other than its id.
  if (!isResourceRoot && keys.every((k) => k === 'id')) {
    out.push(issue('error', 'invariant', 'ele-1: All FHIR elements must have a @value or children (empty object)', node.path));
    return;
  }
  // Choice elements present, by name (made on the first: most objects have none).
  let choiceSeen: Map<string, string[]> | undefined;
  for (const key of keys) {
    const isExt = key.startsWith('_');
    const base = isExt ? key.slice(1) : key;
    const prop = container.props.get(base);
    if (!prop) continue;
    const { def, type } = prop;
    const value = obj[key];
    if (def.choice && !(isExt && base in obj)) {
      choiceSeen ??= new Map();
      const seen = choiceSeen.get(def.name) ?? [];
      seen.push(base);
      choiceSeen.set(def.name, seen);
    }
    if (value === null) {
      out.push(issue('error', 'structure', `'${key}' is null; absent elements are omitted in FHIR JSON`, elementAt(node, def)));
      continue;
    }
    if (!def.array || !Array.isArray(value)) continue;
    if (value.length === 0) {
      out.push(issue('error', 'structure', `'${key}' is an empty array; arrays in FHIR JSON must have at least one item`, elementAt(node, def)));
      continue;
    }
    if (isExt) {
      const primary = obj[base];
      if (Array.isArray(primary) && primary.length !== value.length) {
        out.push(issue('error', 'structure', `'${key}' must have as many items as '${base}' (${value.length} vs ${primary.length})`, elementAt(node, def)));
      }
    }
    // null is only a placeholder aligning a primitive array with its `_x` sibling: the other side has an item there.
    const sibling = model.isPrimitive(type) ? obj[isExt ? base : `_${key}`] : undefined;
    const siblingItems = Array.isArray(sibling) ? sibling : NO_ITEMS;
    for (let i = 0; i < value.length; i++) {
      if (value[i] === null && (siblingItems[i] === null || siblingItems[i] === undefined)) {
        out.push(issue('error', 'structure', `'${key}[${i}]' is null without a matching ${isExt ? base : `_${key}`} item`, `${elementAt(node, def).replace(/\[x\]$/, '')}[${i}]`));
      }
    }
  }
  for (const [name, variants] of choiceSeen ?? NO_CHOICES) {
    if (variants.length > 1) {
      out.push(issue('error', 'structure', `Only one of ${name}[x] may be present; found ${variants.join(', ')}`, `${node.path}.${name}`));
    }
  }
  for (const def of container.elements) {
    if (def.min < 1) continue;
    const present = def.choice ? choiceSeen?.has(def.name) === true : def.name in obj || `_${def.name}` in obj;
    if (!present) {
      out.push(issue('error', 'required', `Missing required element '${def.choice ? `${def.name}[x]` : def.name}' (minimum cardinality ${def.min})`, `${node.path}.${def.name}`));
    }
  }
}

export const primitivesStage: ValidationStage = {
  name: 'primitives',
  validate: (resource) => checkPrimitives(resource),
};
