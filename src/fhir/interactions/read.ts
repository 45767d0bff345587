import { badRequest } from '../../outcomes';
import type { ParsedSearch } from '../search/types';
import type { FhirRequest, FhirResponse, Handler } from '../types';
import { requireId, requireType, versionHeaders } from './common';
import { subsetJson } from './subset';

const READ_SUMMARY = ['true', 'text', 'data', 'false'] as const;

/**
 * `_summary` and `_elements` on read and vread, as on search (the subset is tagged SUBSETTED).
 * `_summary=count` counts search matches and means nothing on a read: 400.
 */
export function readSubset(req: FhirRequest): Pick<ParsedSearch, 'summary' | 'elements'> {
  const out: Pick<ParsedSearch, 'summary' | 'elements'> = {};
  for (const [k, v] of req.query) {
    if (k === '_summary') {
      if (!(READ_SUMMARY as readonly string[]).includes(v)) throw badRequest(`Invalid _summary '${v}' on a read: expected one of ${READ_SUMMARY.join(', ')}`, '_summary');
      if (out.summary !== undefined && out.summary !== v) throw badRequest('_summary is given twice with different values', '_summary');
      out.summary = v as ParsedSearch['summary'];
    } else if (k === '_elements') {
      const elements = v.split(',').map((s) => s.trim()).filter((s) => s);
      for (const e of elements) if (!/^[A-Za-z][A-Za-z0-9]*$/.test(e)) throw badRequest(`Invalid _elements entry '${e}': top-level element names, comma separated`, '_elements');
      out.elements = [...(out.elements ?? []), ...elements];
    }
  }
  if (out.summary && out.summary !== 'false' && out.elements?.length) throw badRequest('_summary and _elements cannot be combined', '_elements');
  return out;
}

/**
 * A Binary is answered in its own content type unless the client asks for FHIR: an Accept naming no
 * JSON type (`*\/*` included), and no `_format`. No Accept at all gets the Binary resource as FHIR JSON.
 */
function wantsRawBinary(req: FhirRequest, type: string): boolean {
  if (type !== 'Binary' || !req.headers.accept || req.query.some(([k]) => k === '_format')) return false;
  return !req.headers.accept.split(',').some((t) => /json/i.test(t.split(';')[0]));
}

/** The bytes of a stored Binary, in its content type (its securityContext in X-Security-Context). */
function rawBinary(json: string, headers: Record<string, string>): FhirResponse {
  const b = JSON.parse(json) as { contentType?: string; data?: string; securityContext?: { reference?: string } };
  const out = { ...headers };
  if (b.securityContext?.reference) out['X-Security-Context'] = b.securityContext.reference;
  return { status: 200, headers: out, raw: { contentType: b.contentType ?? 'application/octet-stream', data: Buffer.from(b.data ?? '', 'base64') } };
}

/** GET [type]/[id] — returns the stored JSON as it is (no parse and re-serialise) unless a subset is asked for. */
export const readResource: Handler = async ({ req, deps, params }) => {
  requireType(params.type);
  requireId(params.id);
  const subset = readSubset(req);
  const raw = await deps.repo.readRaw(params.type, params.id);
  const headers = versionHeaders(raw);
  if (req.headers.ifNoneMatch && req.headers.ifNoneMatch.split(',').some((t) => t.trim() === '*' || t.trim().replace(/^W\//, '') === headers.ETag.replace(/^W\//, ''))) {
    return { status: 304, headers };
  }
  if (req.headers.ifModifiedSince && !req.headers.ifNoneMatch) {
    // HTTP dates have whole seconds: unmodified when lastUpdated is within the second named (RFC 9110 §13.1.3).
    const since = Date.parse(req.headers.ifModifiedSince);
    if (Number.isFinite(since) && Math.floor(Date.parse(raw.lastUpdated) / 1000) * 1000 <= since) return { status: 304, headers };
  }
  if (wantsRawBinary(req, params.type)) return rawBinary(raw.json, headers);
  return { status: 200, json: subsetJson(raw.json, subset), headers };
};

/** GET [type]/[id]/_history/[vid] */
export const vreadResource: Handler = async ({ req, deps, params }) => {
  requireType(params.type);
  requireId(params.id);
  const subset = readSubset(req);
  const raw = await deps.repo.vreadRaw(params.type, params.id, params.vid);
  if (wantsRawBinary(req, params.type)) return rawBinary(raw.json, versionHeaders(raw));
  return { status: 200, json: subsetJson(raw.json, subset), headers: versionHeaders(raw) };
};
