/**
 * Operation parameters, parsed from a Parameters body or the query string against the
 * OperationDefinition that declares them (name, min, max, type). Anything else is a 400.
 */
import { projectPath } from '../../paths';
import type { OperationDefinition, OperationDefinitionParameter, Parameters, ParametersParameter } from 'fhir/r4';
import { readFileSync } from 'node:fs';
import { badRequest } from '../../outcomes';
import type { Resource } from '../../store/repository';
import { isResourceType } from '../resource-types';

export function loadOperationDefinition(id: string): OperationDefinition & { id: string } {
  return JSON.parse(readFileSync(projectPath('capability', `OperationDefinition-${id}.json`), 'utf8'));
}

export interface OperationInput {
  /** Scalar values by parameter name (repeated ones as arrays of strings). */
  values: Map<string, string[]>;
  /** The resource parameter, when the definition has one. */
  resource?: Resource;
  /** Values of complex datatype parameters (Coding, CodeableConcept…) from a Parameters body, by name. */
  complex: Map<string, unknown[]>;
}

/** Datatypes a parameter may carry as a complex value (value[x] of that type in a Parameters body). */
const COMPLEX_TYPES = new Set(['Coding', 'CodeableConcept', 'Quantity', 'Reference', 'Identifier', 'Period']);

const PRIMITIVE_CHECKS: Record<string, RegExp> = {
  code: /^[^\s]+(\s[^\s]+)*$/,
  date: /^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$/,
  uri: /^\S*$/,
  canonical: /^\S*$/,
  string: /^[\s\S]+$/,
  boolean: /^(true|false)$/,
  integer: /^-?\d+$/,
};

const valueOf = (p: ParametersParameter): string | undefined => {
  for (const [k, v] of Object.entries(p)) if (k.startsWith('value') && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) return String(v);
  return undefined;
};

/**
 * `body` may be the resource itself (when the definition takes one `resource` parameter) or a
 * Parameters resource. Query parameters count too (GET operations, or `?profile=` on POST).
 */
export function parseOperationInput(def: OperationDefinition, body: unknown, query: [string, string][]): OperationInput {
  const inputs = (def.parameter ?? []).filter((p) => p.use === 'in');
  const byName = new Map(inputs.map((p) => [p.name, p]));
  const values = new Map<string, string[]>();
  const complex = new Map<string, unknown[]>();
  let resource: Resource | undefined;
  const put = (spec: OperationDefinitionParameter, v: string, where: string) => {
    const check = spec.type ? PRIMITIVE_CHECKS[spec.type] : undefined;
    if (check && !check.test(v)) throw badRequest(`Parameter '${spec.name}' must be a ${spec.type}, not '${v}'`, where);
    values.set(spec.name, [...(values.get(spec.name) ?? []), v]);
  };
  for (const [k, v] of query) {
    if (k === '_format' || k === '_pretty') continue;
    const spec = byName.get(k);
    if (!spec || spec.type === 'Resource' || isResourceType(spec.type ?? '')) throw badRequest(`Unknown parameter '${k}' for $${def.code}`, k);
    put(spec, v, k);
  }
  if (body !== undefined) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest(`The body of $${def.code} must be a resource or a Parameters resource`, undefined, 'structure');
    const b = body as Resource;
    if (b.resourceType === 'Parameters' && !(byName.get('resource')?.type === 'Parameters')) {
      (b as Parameters).parameter?.forEach((p, i) => {
        const spec = byName.get(p.name);
        const where = `Parameters.parameter[${i}]`;
        if (!spec) throw badRequest(`Unknown parameter '${p.name}' for $${def.code}`, where);
        if (spec.type === 'Resource' || isResourceType(spec.type ?? '')) {
          if (!p.resource) throw badRequest(`Parameter '${p.name}' must carry a resource`, `${where}.resource`, 'required');
          if (resource) throw badRequest(`Parameter '${p.name}' appears more than once`, where);
          resource = p.resource as Resource;
        } else if (spec.type && COMPLEX_TYPES.has(spec.type)) {
          const v = (p as unknown as Record<string, unknown>)[`value${spec.type}`];
          if (typeof v !== 'object' || v === null || Array.isArray(v)) throw badRequest(`Parameter '${p.name}' must carry a value${spec.type}`, where, 'required');
          complex.set(spec.name, [...(complex.get(spec.name) ?? []), v]);
        } else {
          const v = valueOf(p);
          if (v === undefined) throw badRequest(`Parameter '${p.name}' has no value`, where, 'required');
          put(spec, v, `${where}.value`);
        }
      });
    } else if (typeof b.resourceType === 'string') {
      if (![...byName.values()].some((s) => s.type === 'Resource' || isResourceType(s.type ?? ''))) throw badRequest(`$${def.code} takes a Parameters body`);
      resource = b;
    } else {
      throw badRequest(`The body of $${def.code} is not a resource (no resourceType)`, 'resourceType', 'structure');
    }
  }
  for (const spec of inputs) {
    const n = (values.get(spec.name)?.length ?? 0) + (complex.get(spec.name)?.length ?? 0) + (resource && (spec.type === 'Resource' || isResourceType(spec.type ?? '')) ? 1 : 0);
    if (spec.max !== '*' && n > Number(spec.max)) throw badRequest(`Parameter '${spec.name}' may appear at most ${spec.max} time(s)`, spec.name);
  }
  return { values, resource, complex };
}

/** Required parameters, checked by the caller once it knows which apply (e.g. a resource or an instance id). */
export function requireParameter(def: OperationDefinition, input: OperationInput, name: string): void {
  if (!input.values.has(name)) throw badRequest(`$${def.code} needs the parameter '${name}'`, name, 'required');
}

export const first = (input: OperationInput, name: string) => input.values.get(name)?.[0];
