/** Literal references inside a resource, wherever they sit (extensions included). */

/** `Type/id` of every literal reference in a resource (relative, or absolute ending in Type/id), once each. */
const referencesOf = new WeakMap<object, string[]>();
export function literalReferences(resource: unknown): string[] {
  if (resource && typeof resource === 'object') {
    const known = referencesOf.get(resource);
    if (known) return known;
  }
  const out = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
        if (k === 'reference' && typeof v === 'string') {
          const m = /(?:^|\/)([A-Z][A-Za-z]{0,63})\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(v);
          if (m && !v.startsWith('#')) out.add(`${m[1]}/${m[2]}`);
        } else if (typeof v === 'object') walk(v);
      }
    }
  };
  walk(resource);
  const list = [...out];
  // Memoised per object: the gatherer asks again for the same (immutable, cached) versions.
  if (resource && typeof resource === 'object' && Object.isFrozen(resource)) referencesOf.set(resource, list);
  return list;
}
