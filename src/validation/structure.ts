/**
 * Structural validation against the official R4 JSON schema, through the standalone Ajv validators
 * that scripts/build-schema-validators.mjs generates (one per resource type). Ajv's errors become
 * OperationOutcome issues with FHIRPath expressions, one per real problem.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { issue } from '../outcomes';
import type { Issue, ValidationStage } from './types';
import { getFhirModel, type Container, type FhirModel } from './primitives-model';
import { DefinitionRegistry } from './definitions';
import { checkPrimitive } from './primitives';
import { isObject, propertyExpression, type Json } from './primitives-walk';

interface AjvError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}
type SchemaValidator = ((data: unknown) => boolean) & { errors?: AjvError[] | null };

const GENERATED = 'fhir-schema-validators.js';
let validators: Record<string, SchemaValidator> | undefined;

/** Finds generated/ from src/validation (tsx, jest) or dist/src/validation (compiled). */
function generatedPath(): string {
  const candidates = [join(__dirname, '..', '..', 'generated', GENERATED), join(__dirname, '..', '..', '..', 'generated', GENERATED)];
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new Error(`${GENERATED} not found: run \`node scripts/build-schema-validators.mjs\` (npm install does it)`);
  }
  return found;
}

export function schemaValidators(): Record<string, SchemaValidator> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  validators ??= require(generatedPath()) as Record<string, SchemaValidator>;
  return validators;
}

/** The resource types of the R4 JSON schema (the types this server can validate). */
export function isKnownResourceType(type: string): boolean {
  return Object.prototype.hasOwnProperty.call(schemaValidators(), type);
}

/** A body that is not an object, or has no known resourceType, gets one issue and nothing else. */
export function checkEnvelope(resource: unknown): Issue[] {
  if (!isObject(resource)) {
    const found = resource === null ? 'null' : Array.isArray(resource) ? 'an array' : `a ${typeof resource}`;
    return [issue('fatal', 'structure', `A FHIR resource must be a JSON object; found ${found}`)];
  }
  const type = resource.resourceType;
  if (type === undefined) return [issue('fatal', 'structure', "Missing 'resourceType': not a FHIR resource")];
  if (typeof type !== 'string') return [issue('fatal', 'structure', "'resourceType' must be a string")];
  if (!isKnownResourceType(type)) {
    return [issue('fatal', 'structure', `Unknown resourceType '${type}': not an R4 resource type`, 'resourceType')];
  }
  return [];
}

const decodePointer = (p: string) => (p === '' ? [] : p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')));

/** Turns a JSON pointer into a FHIRPath expression: /identifier/0/system → Patient.identifier[0].system. */
export function pointerToExpression(resource: Json, segments: string[], model: FhirModel = getFhirModel()): string {
  let path = String(resource.resourceType);
  let data: unknown = resource;
  let container: Container | undefined = model.childrenOf(undefined, String(resource.resourceType));
  // Set when the element holds resources: their type comes from the data once past any array index.
  let resourceSlot = false;
  for (const seg of segments) {
    if (Array.isArray(data)) {
      path += `[${seg}]`;
      data = data[Number(seg)];
    } else {
      const base = seg.startsWith('_') ? seg.slice(1) : seg;
      const prop = container?.props.get(base);
      data = isObject(data) ? data[seg] : undefined;
      resourceSlot = false;
      if (!prop) {
        path += `.${base}`;
        container = undefined;
        continue;
      }
      path += `.${propertyExpression(prop.def, prop.type)}`;
      if (seg !== base) container = model.types.get('Element')?.container; // `_x`: the primitive's id and extensions
      else if (prop.type === 'Resource' || model.isResourceType(prop.type)) resourceSlot = true;
      else container = model.childrenOf(prop.def, prop.type);
    }
    if (resourceSlot && isObject(data)) {
      resourceSlot = false;
      container = typeof data.resourceType === 'string' ? model.childrenOf(undefined, data.resourceType) : undefined;
    }
  }
  return path;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `a string ('${v.length > 40 ? `${v.slice(0, 37)}...` : v}')`;
  return `a ${typeof v} (${String(v)})`;
}

function dataAt(resource: Json, segments: string[]): unknown {
  let d: unknown = resource;
  for (const s of segments) d = Array.isArray(d) ? d[Number(s)] : isObject(d) ? d[s] : undefined;
  return d;
}

/** The FHIR primitive a schema path checks, e.g. '#/definitions/date/pattern' → 'date'. */
const schemaType = (schemaPath: string) => /#\/definitions\/([^/]+)\/[^/]+$/.exec(schemaPath)?.[1];

/** Converts Ajv's errors into one issue per problem. */
export function toIssues(resource: Json, errors: AjvError[], model: FhirModel = getFhirModel()): Issue[] {
  // A wrong JSON type makes Ajv add pattern/enum/const failures for the same value: keep the type error.
  const typed = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  const out: Issue[] = [];
  for (const e of errors) {
    const segs = decodePointer(e.instancePath);
    const at = (extra: string[] = []) => pointerToExpression(resource, [...segs, ...extra], model);
    switch (e.keyword) {
      case 'additionalProperties': {
        const name = String(e.params.additionalProperty);
        out.push(issue('error', 'structure', `Unknown element '${name}'`, `${at()}.${name}`));
        break;
      }
      case 'required': {
        const name = String(e.params.missingProperty);
        out.push(issue('error', 'required', `Missing required element '${name}'`, at([name])));
        break;
      }
      case 'type':
        out.push(issue('error', 'structure', `Wrong JSON type: expected ${e.params.type}, found ${describe(dataAt(resource, segs))}`, at()));
        break;
      case 'discriminator': {
        const tag = e.params.tagValue;
        const text = e.params.error === 'mapping' ? `Unknown resourceType '${String(tag)}' in a nested resource` : "A nested resource needs a string 'resourceType'";
        out.push(issue('error', 'structure', text, at()));
        break;
      }
      case 'pattern':
      case 'enum':
      case 'const': {
        if (typed.has(e.instancePath)) break;
        const value = dataAt(resource, segs);
        const fhirType = schemaType(e.schemaPath);
        // The schema's patterns are XML Schema regexes read by JavaScript (\s matches NBSP there):
        // the primitives stage's faithful check decides, and reports what is really wrong.
        if (e.keyword === 'pattern' && fhirType && checkPrimitive(fhirType, value) === undefined) break;
        // The schema enumerates some codes whose binding is not required (Expression.language is
        // extensible): the profile stage judges those by their binding's strength.
        if (e.keyword === 'enum' && !bindingIsRequired(definitionPathAt(resource, segs, model))) break;
        const text =
          e.keyword === 'enum'
            ? `Invalid code ${describe(value)}: must be one of ${(e.params.allowedValues as unknown[]).join(', ')}`
            : e.keyword === 'const'
              ? `Invalid value ${describe(value)}: must be '${String(e.params.allowedValue)}'`
              : value === ''
                ? `Invalid ${fhirType ?? 'value'}: empty strings are not allowed in FHIR`
                : `Invalid ${fhirType ?? 'value'}: ${describe(value)} does not match the ${fhirType ?? 'required'} format`;
        out.push(issue('error', 'value', text, at()));
        break;
      }
      default:
        out.push(issue('error', 'invalid', `${e.message ?? e.keyword}`, at()));
    }
  }
  return dedupe(out);
}

const strengthByPath = new Map<string, boolean>();
/** Whether the element definition at a path (`Expression.language`) has a required binding (unknown: assumed required). */
function bindingIsRequired(defPath: string | undefined): boolean {
  if (!defPath) return true;
  let hit = strengthByPath.get(defPath);
  if (hit === undefined) {
    const el = enumRegistry.baseType(defPath.split('.')[0])?.snapshot?.element.find((x) => x.path === defPath);
    hit = el?.binding?.strength === undefined || el.binding.strength === 'required';
    strengthByPath.set(defPath, hit);
  }
  return hit;
}

/** The element definition path a JSON pointer lands on (as pointerToExpression walks it), e.g. `Expression.language`. */
function definitionPathAt(resource: Json, segments: string[], model: FhirModel): string | undefined {
  let data: unknown = resource;
  let container: Container | undefined = model.childrenOf(undefined, String(resource.resourceType));
  let defPath: string | undefined;
  for (const seg of segments) {
    if (Array.isArray(data)) {
      data = data[Number(seg)];
      continue;
    }
    const prop = seg.startsWith('_') ? undefined : container?.props.get(seg);
    data = isObject(data) ? data[seg] : undefined;
    if (!prop) return undefined;
    defPath = prop.def.path;
    if (prop.type === 'Resource' || model.isResourceType(prop.type)) {
      container = undefined;
      const item = Array.isArray(data) ? undefined : data;
      if (isObject(item) && typeof item.resourceType === 'string') container = model.childrenOf(undefined, item.resourceType);
    } else {
      container = model.childrenOf(prop.def, prop.type);
    }
  }
  return defPath;
}
const enumRegistry = new DefinitionRegistry();

function dedupe(issues: Issue[]): Issue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.code}|${i.expression?.[0]}|${i.diagnostics}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Schema validation of a resource whose envelope (object, known resourceType) is already checked. */
export function checkStructure(resource: Json): Issue[] {
  const validate = schemaValidators()[String(resource.resourceType)];
  if (validate(resource)) return [];
  return toIssues(resource, validate.errors ?? []);
}

export const structureStage: ValidationStage = {
  name: 'structure',
  validate: (resource) => checkStructure(resource),
};

/** Issues that mean the JSON shape itself is broken: later stages would only report noise. */
export const breaksShape = (i: Issue) => i.code === 'structure' && (i.severity === 'error' || i.severity === 'fatal');
