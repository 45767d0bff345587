/**
 * SMART App Launch 2 system scopes: `system/<Type|*>.<cruds subset>` (v2) and the v1 forms
 * `.read` (= rs), `.write` (= cud) and `.*` (= cruds). Everything is normalised to v2.
 */
export type Permission = 'c' | 'r' | 'u' | 'd' | 's';
const ORDER: Permission[] = ['c', 'r', 'u', 'd', 's'];

export interface ScopeGrant {
  /** A resource type, or '*' for all. */
  type: string;
  permissions: Set<Permission>;
}

const SCOPE = /^system\/(\*|[A-Z][A-Za-z]{1,63})\.([a-z*]+)$/;

/** One scope string, or undefined when it is not a system scope this server understands (granular `?` scopes included). */
export function parseScope(scope: string): ScopeGrant | undefined {
  const m = SCOPE.exec(scope);
  if (!m) return undefined;
  const [, type, p] = m;
  let perms: Permission[];
  if (p === 'read') perms = ['r', 's'];
  else if (p === 'write') perms = ['c', 'u', 'd'];
  else if (p === '*') perms = [...ORDER];
  else {
    // v2: letters of c r u d s, each at most once, in that order.
    if (!/^c?r?u?d?s?$/.test(p) || p.length === 0) return undefined;
    perms = p.split('') as Permission[];
  }
  return { type, permissions: new Set(perms) };
}

export const formatScope = (g: ScopeGrant) => `system/${g.type}.${ORDER.filter((x) => g.permissions.has(x)).join('')}`;

/** Parse a space-separated list; unknown scopes are left out. */
export function parseScopes(scopes: string | string[]): ScopeGrant[] {
  const list = Array.isArray(scopes) ? scopes : scopes.split(/\s+/);
  return list.filter(Boolean).map(parseScope).filter((g): g is ScopeGrant => g !== undefined);
}

/**
 * What a client gets: the intersection of what it asked for and what it is registered for, per type
 * (`system/*.rs` asked with `system/Claim.cruds` registered gives `system/Claim.rs`). v2 strings, sorted.
 */
export function grantScopes(requested: string, registered: string[]): string[] {
  const want = parseScopes(requested);
  const have = parseScopes(registered);
  const byType = new Map<string, Set<Permission>>();
  for (const r of want) {
    for (const g of have) {
      let type: string;
      if (r.type === '*') type = g.type;
      else if (g.type === '*' || g.type === r.type) type = r.type;
      else continue;
      const perms = [...r.permissions].filter((x) => g.permissions.has(x));
      if (!perms.length) continue;
      const set = byType.get(type) ?? new Set<Permission>();
      perms.forEach((x) => set.add(x));
      byType.set(type, set);
    }
  }
  // A wildcard grant makes the same permissions on a single type redundant.
  const star = byType.get('*');
  const out: ScopeGrant[] = [];
  for (const [type, permissions] of byType) {
    if (type !== '*' && star && [...permissions].every((x) => star.has(x))) continue;
    out.push({ type, permissions });
  }
  return out.map(formatScope).sort();
}

/** Whether the granted scopes allow `permission` on `type` (undefined type: on some type). */
export function scopesAllow(granted: ScopeGrant[], permission: Permission, type?: string): boolean {
  return granted.some((g) => g.permissions.has(permission) && (type === undefined || g.type === '*' || g.type === type));
}

/**
 * The types on which the grants allow `permission`: `'*'` when a wildcard grant does (every type),
 * else the named types (possibly none).
 */
export function typesAllowed(granted: ScopeGrant[], permission: Permission): '*' | string[] {
  if (granted.some((g) => g.type === '*' && g.permissions.has(permission))) return '*';
  return [...new Set(granted.filter((g) => g.permissions.has(permission)).map((g) => g.type))].sort();
}
