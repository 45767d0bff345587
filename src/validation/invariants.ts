/**
 * The base R4 invariants: every constraint[].expression of the base StructureDefinitions, evaluated
 * with HL7's fhirpath.js and its R4 model on each element instance of its path (type-level ones such
 * as per-1 on every Period, resource-level ones such as dom-3 or bdl-7 on the resource).
 *
 * Fast path: constraints are attached to element and type definitions, so only those of elements
 * present in the instance are evaluated; each expression is compiled once per base path and cached.
 *
 * Not evaluated here:
 *  - ele-1 (on every element): checked natively, far cheaper, by the primitives stage;
 *  - constraints that need other resources or a terminology server — any using resolve(),
 *    memberOf(), conformsTo() or subsumes(): in R4 base that is ctm-1 (CareTeam.participant:
 *    onBehalfOf requires member to resolve to a Practitioner);
 *  - constraints of profiles such as SimpleQuantity (sqty-1): the profile stage applies profiles;
 *  - eld-16 and eld-19 (ElementDefinition sliceName / path syntax): their regexes escape characters
 *    (\' \@) that the Unicode-mode regexes fhirpath.js builds reject, so they cannot be evaluated.
 */
import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import { issue } from '../outcomes';
import type { Issue, ValidationStage } from './types';
import { getFhirModel, type ConstraintDef, type FhirModel } from './primitives-model';
import { walkResource, type Json, type WalkNode } from './primitives-walk';

type Compiled = (resource: unknown, env?: Record<string, unknown>) => unknown[];

const NEEDS_EXTERNAL = /\b(resolve|memberOf|conformsTo|subsumes|subsumedBy)\s*\(/;
const NATIVE = new Set(['ele-1']);
const UNEVALUABLE = new Set(['eld-16', 'eld-19']);

export function isEvaluable(c: ConstraintDef): boolean {
  return !NATIVE.has(c.key) && !UNEVALUABLE.has(c.key) && !NEEDS_EXTERNAL.test(c.expression);
}

const silentTrace = () => undefined;

/**
 * R4's dom-3 (and a few others) apply `as(type)` to collections, e.g. `%resource.descendants().as(canonical)`;
 * FHIRPath N1 and fhirpath.js 5 reject `as` on more than one item. `ofType` is the filtering the
 * authors meant (R5 rewrote dom-3 that way) and means the same as `as` on a single item.
 */
export function normalizeExpression(expression: string): string {
  return expression.replace(/\.as\(/g, '.ofType(');
}
const compiled = new Map<string, Compiled | Error>();

function compileCached(base: string, expression: string): Compiled | Error {
  const key = `${base}\u0000${expression}`;
  let fn = compiled.get(key);
  if (!fn) {
    try {
      fn = fhirpath.compile({ base, expression: normalizeExpression(expression) }, r4Model, { traceFn: silentTrace }) as unknown as Compiled;
    } catch (e) {
      fn = e instanceof Error ? e : new Error(String(e));
    }
    compiled.set(key, fn);
  }
  return fn;
}

/**
 * Fast path for the constraints that run on nearly every instance: a cheap test of the JSON that is
 * true whenever the constraint could fail. When it is false the constraint holds without running
 * FHIRPath (these four families were ~90% of invariant time on the PRSS scenario).
 */
const has = (o: unknown, k: string) => typeof o === 'object' && o !== null && k in o;
const MAY_FAIL: Record<string, (value: unknown) => boolean> = {
  // dom-2…dom-5 only constrain contained resources.
  'dom-2': (v) => has(v, 'contained'),
  'dom-3': (v) => has(v, 'contained'),
  'dom-4': (v) => has(v, 'contained'),
  'dom-5': (v) => has(v, 'contained'),
  // ref-1 only constrains local references ('#id').
  'ref-1': (v) => has(v, 'reference') && String((v as { reference: unknown }).reference).startsWith('#'),
  // ext-1 (extension.exists() != value.exists()) fails only with both or neither.
  'ext-1': (v) => has(v, 'extension') === Object.keys(v as object).some((k) => k.startsWith('value')),
  // qty-3 (code.empty() or system.exists()) fails only with a code and no system.
  'qty-3': (v) => has(v, 'code') && !has(v, 'system'),
  // per-1 compares start and end.
  'per-1': (v) => has(v, 'start') && has(v, 'end'),
};

const XML_ATTRIBUTE = /\sxml:(?:lang|space)\s*=\s*(?:"[^"]*"|'[^']*')/g;

/**
 * Narrative XHTML may carry `xml:lang` and `xml:space` (the reference validator accepts them);
 * fhirpath.js's htmlChecks() knows unprefixed attributes only, so they are set aside for txt-1/txt-2.
 */
function withoutXmlAttributes(value: unknown): unknown {
  return typeof value === 'string' && value.includes('xml:') ? value.replace(XML_ATTRIBUTE, '') : value;
}

export interface InvariantOptions {
  /** Also evaluate warning-level (best practice) constraints such as dom-6. Default false. */
  warnings?: boolean;
}

interface Application {
  constraint: ConstraintDef;
  /** The FHIRPath base the expression is written against. */
  base: string;
}

/** The evaluable constraints of an element definition and of its type, computed once per (def, type). */
const applicationsCache = new WeakMap<object, Map<string, Application[]>>();

function applicationsFor(model: FhirModel, node: WalkNode, warnings: boolean): Application[] {
  const owner: object = node.def ?? model.types.get(node.type) ?? model;
  let perType = applicationsCache.get(owner);
  if (!perType) applicationsCache.set(owner, (perType = new Map()));
  const cacheKey = `${node.type}|${warnings}`;
  let apps = perType.get(cacheKey);
  if (apps) return apps;
  apps = [];
  const seen = new Set<string>();
  const add = (list: ConstraintDef[] | undefined, base: string) => {
    for (const c of list ?? []) {
      if (seen.has(c.key) || !isEvaluable(c) || (c.severity === 'warning' && !warnings)) continue;
      seen.add(c.key);
      apps.push({ constraint: c, base });
    }
  };
  // The type's own constraints (per-1 on Period, dom-* and the resource's own on a resource root)…
  const typeDef = model.types.get(node.type);
  if (typeDef && !model.isPrimitive(node.type)) add(typeDef.constraints, node.type);
  // …then those declared on the element itself (pat-1 on Patient.contact, bdl-5 on Bundle.entry).
  if (node.def) add(node.def.constraints, node.def.contentReference ?? node.def.path);
  perType.set(cacheKey, apps);
  return apps;
}

/** Evaluates the base invariants on every element instance of the resource and the resources nested in it. */
export function checkInvariants(resource: Json, options: InvariantOptions = {}, model: FhirModel = getFhirModel()): Issue[] {
  const out: Issue[] = [];
  const warnings = options.warnings ?? false;
  walkResource(model, resource, {
    visit(node) {
      if (node.value === undefined || node.value === null) return;
      const apps = applicationsFor(model, node, warnings);
      if (apps.length === 0) return;
      const env = { resource: node.resource, rootResource: node.root };
      for (const { constraint: c, base } of apps) {
        const mayFail = MAY_FAIL[c.key];
        if (mayFail && !mayFail(node.value)) continue;
        const fn = compileCached(base, c.expression);
        if (fn instanceof Error) continue; // every base expression compiles (tested); keep a bad one from failing all validation
        let result: unknown[];
        try {
          result = fn(c.key === 'txt-1' || c.key === 'txt-2' ? withoutXmlAttributes(node.value) : node.value, env);
        } catch (e) {
          out.push(issue('warning', 'processing', `${c.key}: could not be evaluated (${e instanceof Error ? e.message : String(e)})`, node.path));
          continue;
        }
        // As the reference validator evaluates them: false fails, and so does an empty result (per-1
        // comparing a date with a dateTime of another precision gives no answer: not shown to hold) —
        // except through `implies`, whose empty antecedent (`probability is decimal` with no
        // probability) means the rule does not apply.
        if ((result.length === 0 && !c.expression.includes(' implies ')) || (result.length === 1 && result[0] === false)) {
          out.push(issue(c.severity, 'invariant', `${c.key}: ${c.human}`, node.path));
        }
      }
    },
  });
  return out;
}

export function invariantsStage(options: InvariantOptions = {}): ValidationStage {
  return { name: 'invariants', validate: (resource) => checkInvariants(resource, options) };
}

/** Every evaluable constraint of the base definitions compiled up front (start-up warm-up and tests). */
export function precompileInvariants(model: FhirModel = getFhirModel()): { compiled: number; failed: string[] } {
  let count = 0;
  const failed: string[] = [];
  const visitDef = (list: ConstraintDef[], base: string) => {
    for (const c of list) {
      if (!isEvaluable(c)) continue;
      const fn = compileCached(base, c.expression);
      if (fn instanceof Error) failed.push(`${c.key} @ ${base}: ${fn.message}`);
      else count++;
    }
  };
  for (const [name, t] of model.types) {
    if (t.kind === 'logical') continue;
    visitDef(t.constraints, name);
    const stack = [t.container];
    const done = new Set<object>();
    while (stack.length) {
      const c = stack.pop()!;
      if (done.has(c)) continue;
      done.add(c);
      for (const def of c.elements) {
        visitDef(def.constraints, def.contentReference ?? def.path);
        if (def.inline) stack.push(def.inline);
      }
    }
  }
  return { compiled: count, failed };
}
