/**
 * Evaluates search parameter expressions against resources. Nearly every R4 expression is a plain
 * path (`Type.a.b`), a union of them, or one with `.where(resolve() is X)`, `.where(f='v')`,
 * `.as(T)` / `(X as T)` / `ofType(T)` or `[n]`; those are compiled here into small closures typed
 * from the FHIRPath R4 model (so choice elements like `value[x]` and element types are known
 * statically). Anything else is compiled once with HL7's `fhirpath` and run through it.
 */
import * as fhirpath from 'fhirpath';
import * as r4model from 'fhirpath/fhir-context/r4';
import { referenceTargetType } from './references';

/** A value and its FHIR type name (`HumanName`, `dateTime`, `CodeableConcept`…); '' when unknown. */
export interface TypedValue {
  value: unknown;
  type: string;
}

export type Evaluator = (resource: Record<string, unknown>) => TypedValue[];

const model = r4model as unknown as {
  choiceTypePaths: Record<string, string[]>;
  pathsDefinedElsewhere: Record<string, string>;
  type2Parent: Record<string, string>;
  path2Type: Record<string, string>;
};

const PRIMITIVES = new Set([
  'boolean', 'integer', 'string', 'decimal', 'uri', 'url', 'canonical', 'base64Binary', 'instant', 'date', 'dateTime',
  'time', 'code', 'oid', 'id', 'markdown', 'unsignedInt', 'positiveInt', 'uuid', 'xhtml',
]);

/** Model type names as FHIR spells them: choice suffixes are capitalised (`DateTime`), ids are `System.String`. */
function fhirTypeName(t: string): string {
  if (t.startsWith('System.')) {
    const s = t.slice(7);
    return s === 'String' ? 'string' : s === 'Boolean' ? 'boolean' : s === 'Integer' ? 'integer' : s === 'Decimal' ? 'decimal'
      : s === 'DateTime' ? 'dateTime' : s === 'Date' ? 'date' : s === 'Time' ? 'time' : s;
  }
  if (t.startsWith('FHIR.')) return t.slice(5);
  const lc = t[0].toLowerCase() + t.slice(1);
  return PRIMITIVES.has(lc) ? lc : t;
}

const sameType = (a: string, b: string) => fhirTypeName(a) === fhirTypeName(b);

interface ElementInfo {
  key: string;
  type: string;
  /** Where the element's own children are looked up: its type, or its path for backbone elements. */
  next: string;
}

type Lookup = { choice: false; elem: ElementInfo } | { choice: true; options: ElementInfo[] };

function parentOf(ctx: string): string | undefined {
  if (ctx.includes('.')) return 'BackboneElement';
  return model.type2Parent[ctx];
}

function elementInfo(path: string, key: string, type: string): ElementInfo {
  const t = fhirTypeName(type);
  return { key, type: t, next: t === 'BackboneElement' || t === 'Element' ? path : t };
}

function lookup(ctx: string, name: string): Lookup | undefined {
  for (let c: string | undefined = ctx; c; c = parentOf(c)) {
    const path = `${c}.${name}`;
    const choices = model.choiceTypePaths[path];
    if (choices) {
      return {
        choice: true,
        options: choices.map((suffix) => elementInfo(`${path}${suffix}`, `${name}${suffix}`, model.path2Type[`${path}${suffix}`] ?? suffix)),
      };
    }
    const elsewhere = model.pathsDefinedElsewhere[path];
    if (elsewhere) return { choice: false, elem: { key: name, type: 'BackboneElement', next: elsewhere } };
    const type = model.path2Type[path];
    if (type) {
      return { choice: false, elem: elementInfo(path, name, type) };
    }
  }
  return undefined;
}

// ---- compiled paths ------------------------------------------------------------------------------

type Step = (values: unknown[]) => unknown[];

function pushFlat(out: unknown[], v: unknown): void {
  if (v === undefined || v === null) return;
  if (Array.isArray(v)) {
    for (const x of v) if (x !== undefined && x !== null) out.push(x);
  } else out.push(v);
}

function getStep(key: string): Step {
  return (values) => {
    const out: unknown[] = [];
    for (const v of values) if (v && typeof v === 'object') pushFlat(out, (v as Record<string, unknown>)[key]);
    return out;
  };
}

/** Split on `sep` at parenthesis depth 0 and outside quotes. */
function splitTop(text: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "'" && text[i - 1] !== '\\') quoted = !quoted;
    if (quoted) continue;
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (depth === 0 && text.startsWith(sep, i)) {
      out.push(text.slice(start, i));
      start = i + sep.length;
      i += sep.length - 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

/** Compile one union member, or return undefined when it is not one of the simple forms. */
function compileSimple(resourceType: string, part: string): Evaluator | undefined {
  let text = part.trim();
  const asForm = /^\((.+) as ([A-Za-z]+)\)(.*)$/.exec(text);
  if (asForm) text = `${asForm[1]}.as(${asForm[2]})${asForm[3]}`;
  const segments = splitTop(text, '.');
  const root = segments.shift();
  if (root !== resourceType && root !== 'Resource' && root !== 'DomainResource') return undefined;

  const steps: Step[] = [];
  let ctx: string = resourceType;
  let type = resourceType;
  let pendingChoice: ElementInfo[] | undefined;

  const settleChoice = (): boolean => {
    if (!pendingChoice) return true;
    if (pendingChoice.length !== 1) return false;
    const [only] = pendingChoice;
    steps.push(getStep(only.key));
    ctx = only.next;
    type = only.type;
    pendingChoice = undefined;
    return true;
  };

  for (const seg of segments) {
    let m: RegExpExecArray | null;
    if ((m = /^([a-zA-Z][a-zA-Z0-9]*)(?:\[(\d+)\])?$/.exec(seg))) {
      if (!settleChoice()) return undefined;
      const found = lookup(ctx, m[1]);
      if (!found) return undefined;
      if (found.choice) {
        pendingChoice = found.options;
        if (m[2] !== undefined) return undefined;
        continue;
      }
      steps.push(getStep(found.elem.key));
      ctx = found.elem.next;
      type = found.elem.type;
      if (m[2] !== undefined) {
        const index = Number(m[2]);
        steps.push((values) => (index < values.length ? [values[index]] : []));
      }
    } else if ((m = /^(?:as|ofType)\(([A-Za-z]+)\)$/.exec(seg))) {
      const wanted = m[1];
      if (pendingChoice) {
        pendingChoice = pendingChoice.filter((o) => sameType(o.type, wanted));
        if (pendingChoice.length === 0) return () => []; // the element never has that type
        if (!settleChoice()) return undefined;
      } else if (!sameType(type, wanted)) {
        return () => [];
      }
    } else if ((m = /^where\(resolve\(\) is ([A-Za-z]+)\)$/.exec(seg))) {
      if (!settleChoice()) return undefined;
      const target = m[1];
      steps.push((values) => values.filter((v) => referenceTargetType(v) === target));
    } else if ((m = /^where\(([a-zA-Z]+)\s*=\s*'([^'\\]*)'\)$/.exec(seg))) {
      if (!settleChoice()) return undefined;
      const [, field, literal] = m;
      steps.push((values) => values.filter((v) => v && typeof v === 'object' && (v as Record<string, unknown>)[field] === literal));
    } else {
      return undefined;
    }
  }

  if (pendingChoice) {
    // A choice element at the end: the JSON key present tells the type.
    const options = pendingChoice;
    return (resource) => {
      let values: unknown[] = [resource];
      for (const step of steps) {
        values = step(values);
        if (values.length === 0) return [];
      }
      const out: TypedValue[] = [];
      for (const v of values) {
        if (!v || typeof v !== 'object') continue;
        for (const o of options) {
          const x = (v as Record<string, unknown>)[o.key];
          if (x === undefined || x === null) continue;
          if (Array.isArray(x)) for (const y of x) out.push({ value: y, type: o.type });
          else out.push({ value: x, type: o.type });
        }
      }
      return out;
    };
  }
  const finalType = type;
  return (resource) => {
    let values: unknown[] = [resource];
    for (const step of steps) {
      values = step(values);
      if (values.length === 0) return [];
    }
    return values.map((value) => ({ value, type: finalType }));
  };
}

// ---- fallback: HL7 fhirpath ------------------------------------------------------------------------

function compileFhirpath(expression: string): Evaluator {
  const fn = fhirpath.compile(expression, r4model as never, { resolveInternalTypes: false });
  return (resource) => {
    let raw: unknown[];
    try {
      // A copy: fhirpath may annotate the data it walks, and the caller's resource must stay as written.
      raw = fn(structuredClone(resource)) as unknown[];
    } catch {
      // An expression that cannot be evaluated on this resource (e.g. needs resolve()) indexes nothing.
      return [];
    }
    const types = fhirpath.types(raw);
    const values = fhirpath.resolveInternalTypes(raw) as unknown[];
    return values.map((value, i) => ({ value, type: fhirTypeName(types[i] ?? '') }));
  };
}

/** Compile a parameter's expression for one resource type (only the union members rooted at it). */
export function compileExpression(resourceType: string, expression: string): Evaluator {
  const parts = splitTop(expression, '|')
    .map((p) => p.trim())
    .filter((p) => {
      const root = /^\(*([A-Za-z]+)/.exec(p)?.[1];
      return root === resourceType || root === 'Resource' || root === 'DomainResource';
    });
  const evaluators = parts.map((p) => compileSimple(resourceType, p) ?? compileFhirpath(p));
  if (evaluators.length === 0) return () => [];
  if (evaluators.length === 1) return evaluators[0];
  return (resource) => {
    const out: TypedValue[] = [];
    for (const e of evaluators) for (const v of e(resource)) out.push(v);
    return out;
  };
}

/** Exposed for tests: whether a union member compiles to the fast path. */
export function isCompiledFast(resourceType: string, part: string): boolean {
  return compileSimple(resourceType, part) !== undefined;
}
