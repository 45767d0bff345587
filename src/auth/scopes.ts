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

/** Why a scope request cannot be granted (the token endpoint answers `invalid_scope`). */
export class ScopeError extends Error {}

const V1_FORMS: [string, Permission[]][] = [['read', ['r', 's']], ['write', ['c', 'u', 'd']], ['*', [...ORDER]]];

/** A grant written as the request was: v1 (`.read`, `.write`, `.*`) when it was v1 and the permissions have a v1 name, v2 otherwise. */
function formatAs(type: string, perms: Set<Permission>, v1: boolean): string {
  if (v1) {
    const named = V1_FORMS.find(([, p]) => p.length === perms.size && p.every((x) => perms.has(x)));
    if (named) return `system/${type}.${named[0]}`;
  }
  return formatScope({ type, permissions: perms });
}

/**
 * What a client gets for a space-separated `scope` request: each requested system scope, narrowed to
 * what the client is registered for, in the form it was asked (`system/*.read` stays `.read`; a v1
 * scope narrowed to permissions v1 cannot name is written as v2). A wildcard request against
 * registrations for single types is granted per registered type. Scopes of other kinds (`launch`,
 * `openid`, `patient/…`) are not granted. Throws ScopeError (→ `invalid_scope`) for an empty request,
 * a malformed or granular system scope, a resource type FHIR R4 does not define, or when nothing at
 * all can be granted (e.g. only write access asked of a read-only client).
 */
export function grantScopes(requested: string, registered: string[], isType: (t: string) => boolean = () => true): string[] {
  const asked = requested.split(/\s+/).filter(Boolean);
  if (!asked.length) throw new ScopeError('scope is empty: ask for system scopes such as system/*.read');
  const have = parseScopes(registered);
  const out: string[] = [];
  const add = (s: string) => {
    if (!out.includes(s)) out.push(s);
  };
  for (const scope of asked) {
    if (!scope.startsWith('system/')) continue;
    const want = parseScope(scope);
    if (!want) throw new ScopeError(`'${scope}' is not a system scope this server understands (system/<Type|*>.<read|write|*> or .<cruds>)`);
    if (want.type !== '*' && !isType(want.type)) throw new ScopeError(`'${scope}' names ${want.type}, which is not a FHIR R4 resource type`);
    const v1 = /\.(read|write|\*)$/.test(scope);
    const byType = new Map<string, Set<Permission>>();
    for (const g of have) {
      let type: string;
      if (want.type === '*') type = g.type;
      else if (g.type === '*' || g.type === want.type) type = want.type;
      else continue;
      const set = byType.get(type) ?? new Set<Permission>();
      for (const x of want.permissions) if (g.permissions.has(x)) set.add(x);
      byType.set(type, set);
    }
    const star = byType.get('*');
    for (const [type, perms] of byType) {
      if (!perms.size) continue;
      // Under a wildcard grant, the same permissions on one type say nothing more.
      if (type !== '*' && star && [...perms].every((x) => star.has(x))) continue;
      add(formatAs(type, new Set(ORDER.filter((x) => perms.has(x))), v1));
    }
  }
  if (!out.length) throw new ScopeError(`None of the requested scopes (${requested.trim()}) can be granted to this client`);
  return out;
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
