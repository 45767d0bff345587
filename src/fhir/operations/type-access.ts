/**
 * What the caller may see across several resource types at once ($everything, $meta): the types its
 * role and scopes let it search, and one SQL condition applying its tenancy filter to each type.
 */
import { ScopedRepository } from '../../auth/scoped-repository';
import { OutcomeError } from '../../outcomes';
import type { SqlParams } from '../../store/sql';
import type { AuthContext, FhirDeps, FhirRequest } from '../types';

/** The client calling: the request's, or the one a batch or transaction entry runs as. */
export function callerOf(req: FhirRequest, deps: FhirDeps): AuthContext | undefined {
  return req.auth ?? (deps.repo instanceof ScopedRepository ? deps.repo.auth : undefined);
}

/** Splits `types` into those the caller may search and those its role or scopes refuse. */
export function searchableTypes(deps: FhirDeps, auth: AuthContext | undefined, types: readonly string[]): { allowed: string[]; refused: string[] } {
  if (!deps.access) return { allowed: [...types], refused: [] };
  const allowed: string[] = [];
  const refused: string[] = [];
  for (const type of types) {
    try {
      deps.access.assertAllowed(auth, 'search', type);
      allowed.push(type);
    } catch (e) {
      if (!(e instanceof OutcomeError) || e.status !== 403) throw e;
      refused.push(type);
    }
  }
  return { allowed, refused };
}

/**
 * SQL over alias `a` (resource table): the row is of one of `types` and visible to the caller
 * (types without a tenancy filter are grouped in one `= ANY`). `false` when `types` is empty.
 */
export function visibleAcross(deps: FhirDeps, auth: AuthContext | undefined, types: readonly string[], p: SqlParams, a: string): string {
  if (types.length === 0) return 'false';
  const open: string[] = [];
  const filtered: string[] = [];
  for (const type of types) {
    const conds = deps.access?.searchFilter(auth, type, p, a) ?? [];
    if (conds.length === 0) open.push(type);
    else filtered.push(`(${a}.type = ${p.add(type)} AND ${conds.join(' AND ')})`);
  }
  const parts = [...(open.length ? [`${a}.type = ANY(${p.add(open)}::text[])`] : []), ...filtered];
  return parts.length === 1 ? parts[0] : `(${parts.join(' OR ')})`;
}
