/**
 * Reading a reference string as FHIR writes it: `Patient/123`, `Patient/123/_history/2`, an absolute
 * `http://host/fhir/Patient/123`, a `urn:uuid:` / canonical URL, or `#contained`.
 */
import { isResourceType } from './definitions';

export interface ParsedReference {
  targetType: string | null;
  targetId: string | null;
  /** The absolute URL or URN as written (without a `_history` suffix), null for a relative reference. */
  url: string | null;
}

const REST_RE = /^(?:(.+)\/)?([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

export function parseReference(reference: string): ParsedReference | undefined {
  if (!reference || reference.startsWith('#')) return undefined; // contained: not a separate resource
  const m = REST_RE.exec(reference);
  if (m && isResourceType(m[2])) {
    const [, base, type, id] = m;
    if (base === undefined) return { targetType: type, targetId: id, url: null };
    if (/^[a-z][a-z0-9+.-]*:/i.test(base)) {
      return { targetType: type, targetId: id, url: `${base}/${type}/${id}` };
    }
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(reference)) return { targetType: null, targetId: null, url: reference };
  return undefined;
}

/** The resource type a Reference points at, from its `reference` or else its `type`. */
export function referenceTargetType(ref: unknown): string | undefined {
  if (!ref || typeof ref !== 'object') return undefined;
  const r = ref as { reference?: unknown; type?: unknown };
  if (typeof r.reference === 'string') {
    const parsed = parseReference(r.reference);
    if (parsed?.targetType) return parsed.targetType;
  }
  return typeof r.type === 'string' ? r.type : undefined;
}
