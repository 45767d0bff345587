import { badRequest } from '../../outcomes';
import type { ParsedSearch } from '../search/types';
import type { FhirRequest, Handler } from '../types';
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
  return { status: 200, json: subsetJson(raw.json, subset), headers };
};

/** GET [type]/[id]/_history/[vid] */
export const vreadResource: Handler = async ({ req, deps, params }) => {
  requireType(params.type);
  requireId(params.id);
  const subset = readSubset(req);
  const raw = await deps.repo.vreadRaw(params.type, params.id, params.vid);
  return { status: 200, json: subsetJson(raw.json, subset), headers: versionHeaders(raw) };
};
