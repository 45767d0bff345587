/** Conditional interactions: the matching resources for a search given as a query string. */
import { badRequest } from '../../outcomes';
import type { Repository, Resource } from '../../store/repository';
import { search as searchModule } from '../search';
import type { FhirDeps } from '../types';

export function parseQueryString(query: string): [string, string][] {
  const q = query.includes('?') ? query.slice(query.indexOf('?') + 1) : query;
  return [...new URLSearchParams(q).entries()];
}

/** Up to two matches (enough to tell none, one and several). Criteria are strict: an unknown parameter is an error, never silently ignored. */
export async function findMatches(repo: Repository, deps: FhirDeps, type: string, criteria: string | [string, string][]): Promise<Resource[]> {
  const params = typeof criteria === 'string' ? parseQueryString(criteria) : criteria;
  const real = params.filter(([k]) => !['_format', '_pretty'].includes(k));
  if (real.length === 0) throw badRequest(`A conditional request on ${type} needs search criteria`);
  const parsed = searchModule.parseSearch(type, real, { strict: true, defaultCount: 2, maxCount: 2 });
  parsed.count = 2;
  parsed.total = 'none';
  parsed.include = [];
  parsed.revinclude = [];
  const result = await repo.search(parsed);
  return result.entries.map((e) => JSON.parse(e.json) as Resource);
}
