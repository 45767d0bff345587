import type { Handler } from '../types';
import { requireId, requireType, versionHeaders } from './common';

/** GET [type]/[id] — returns the stored JSON as it is (no parse and re-serialise). */
export const readResource: Handler = async ({ req, deps, params }) => {
  requireType(params.type);
  requireId(params.id);
  const raw = await deps.repo.readRaw(params.type, params.id);
  const headers = versionHeaders(raw);
  if (req.headers.ifNoneMatch && req.headers.ifNoneMatch.replace(/^W\//, '') === headers.ETag.replace(/^W\//, '')) {
    return { status: 304, headers };
  }
  if (req.headers.ifModifiedSince) {
    const since = Date.parse(req.headers.ifModifiedSince);
    if (Number.isFinite(since) && Date.parse(raw.lastUpdated) <= since + 999) return { status: 304, headers };
  }
  return { status: 200, json: raw.json, headers };
};

/** GET [type]/[id]/_history/[vid] */
export const vreadResource: Handler = async ({ deps, params }) => {
  requireType(params.type);
  requireId(params.id);
  const raw = await deps.repo.vreadRaw(params.type, params.id, params.vid);
  return { status: 200, json: raw.json, headers: versionHeaders(raw) };
};
