/**
 * The reference validator's checks of conformance resources against the definitions they name:
 *
 * - a SearchParameter derived from another (`derivedFrom`) keeps its type and applies to resource
 *   types the parent applies to (a parent we cannot find is a warning: nothing can be checked);
 * - a CapabilityStatement's `rest.resource.searchParam` that names a definition declares that
 *   definition's type.
 *
 * Search parameters are looked up among R4's published ones (search-parameters.json) and those the
 * caller loads with the definitions.
 */
import type { OperationOutcomeIssue, SearchParameter } from 'fhir/r4';
import { coreResources } from '../fhir/core-definitions';
import { stripVersion } from './definitions';

type Json = Record<string, unknown>;
type Report = (severity: OperationOutcomeIssue['severity'], code: OperationOutcomeIssue['code'], path: string, rule: string, text: string) => void;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

let core: Map<string, SearchParameter> | undefined;
function coreSearchParameters(): Map<string, SearchParameter> {
  if (!core) {
    core = new Map();
    for (const r of coreResources('search-parameters.json')) {
      if (r.resourceType === 'SearchParameter' && r.url) core.set(r.url, r);
    }
  }
  return core;
}

export class SearchParameterIndex {
  constructor(private readonly extra: (url: string) => SearchParameter | undefined) {}

  get(url: string): SearchParameter | undefined {
    const u = stripVersion(url);
    return this.extra(u) ?? coreSearchParameters().get(u);
  }
}

export function checkSearchParameter(sp: Json, path: string, index: SearchParameterIndex, report: Report) {
  if (typeof sp.derivedFrom !== 'string') return;
  const parent = index.get(sp.derivedFrom);
  const at = `${path}.derivedFrom`;
  if (!parent) {
    report('warning', 'not-found', at, 'sp-derived-unknown',
      `${at}: the SearchParameter ${sp.derivedFrom} is unknown, so this one cannot be checked as a derivation of it`);
    return;
  }
  if (typeof sp.type === 'string' && sp.type !== parent.type) {
    report('error', 'invalid', `${path}.type`, 'sp-derived-type',
      `${path}.type: the type '${sp.type}' differs from the type '${parent.type}' of the SearchParameter it derives from (${sp.derivedFrom})`);
  }
  const parentBase = new Set<string>(parent.base ?? []);
  if (!parentBase.has('Resource') && !parentBase.has('DomainResource') && Array.isArray(sp.base)) {
    sp.base.forEach((b, i) => {
      if (typeof b === 'string' && !parentBase.has(b)) {
        report('error', 'invalid', `${path}.base[${i}]`, 'sp-derived-base',
          `${path}.base[${i}]: '${b}' is not among the resource types of the SearchParameter it derives from (${[...parentBase].join(', ')})`);
      }
    });
  }
}

export function checkCapabilityStatement(cs: Json, path: string, index: SearchParameterIndex, report: Report) {
  const rest = Array.isArray(cs.rest) ? cs.rest : [];
  rest.forEach((r, ri) => {
    if (!isObject(r) || !Array.isArray(r.resource)) return;
    r.resource.forEach((res, i) => {
      if (!isObject(res) || !Array.isArray(res.searchParam)) return;
      res.searchParam.forEach((p, j) => {
        if (!isObject(p) || typeof p.definition !== 'string' || typeof p.type !== 'string') return;
        const def = index.get(p.definition);
        if (def && def.type !== p.type) {
          const at = `${path}.rest[${ri}].resource[${i}].searchParam[${j}].type`;
          report('error', 'invalid', at, 'cs-sp-type',
            `${at}: the type '${p.type}' is not the type '${def.type}' of the SearchParameter ${p.definition} it names`);
        }
      });
    });
  });
}
