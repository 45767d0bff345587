/** Conditional interactions: the matching resources for a search given as a query string. */
import { badRequest } from '../../outcomes';
import type { Repository, Resource } from '../../store/repository';
import { conditionKey } from '../../store/postgres-repository';
import { search as searchModule } from '../search';
import type { FhirDeps } from '../types';

export function parseQueryString(query: string): [string, string][] {
  const q = query.includes('?') ? query.slice(query.indexOf('?') + 1) : query;
  return [...new URLSearchParams(q).entries()];
}

/** The criteria as name/value pairs, without `_format`/`_pretty`; 400 when none are left. */
export function conditionParams(type: string, criteria: string | [string, string][]): [string, string][] {
  const params = typeof criteria === 'string' ? parseQueryString(criteria) : criteria;
  const real = params.filter(([k]) => !['_format', '_pretty'].includes(k));
  if (real.length === 0) throw badRequest(`A conditional request on ${type} needs search criteria`);
  return real;
}

/** The lock key of a condition (see Repository.lockConditions). */
export const conditionLock = (type: string, criteria: string | [string, string][]) => conditionKey(type, conditionParams(type, criteria));

/**
 * Up to two matches (enough to tell none, one and several). Criteria are strict: an unknown
 * parameter is an error, never silently ignored.
 *
 * `lock` (a conditional write; repo must be in a transaction): first take the database lock on the
 * normalised condition, held until the transaction ends, so that concurrent writes with the same
 * condition — from this process or another on the same database — run one after the other and each
 * sees what the previous one committed (READ COMMITTED: the search after the lock is a new snapshot).
 */
export async function findMatches(repo: Repository, deps: FhirDeps, type: string, criteria: string | [string, string][], options: { lock?: boolean } = {}): Promise<Resource[]> {
  const real = conditionParams(type, criteria);
  // Parse first: criteria the search rejects are a 400 before any lock is taken.
  const parsed = searchModule.parseSearch(type, real, { strict: true, defaultCount: 2, maxCount: 2 });
  if (options.lock) await repo.lockConditions([conditionKey(type, real)]);
  parsed.count = 2;
  parsed.total = 'none';
  parsed.include = [];
  parsed.revinclude = [];
  const result = await repo.search(parsed);
  return result.entries.map((e) => JSON.parse(e.json) as Resource);
}
