import { operationOutcome, issue, preconditionFailed } from '../../outcomes';
import type { Handler } from '../types';
import { etag, requireId, requireType, requireWritable } from './common';
import { findMatches } from './conditional';

/** DELETE [type]/[id] — a new, deleted version; history is kept and a later read is 410. */
export const deleteResource: Handler = async ({ req, deps, params }) => {
  requireType(params.type);
  requireWritable(deps, params.type);
  requireId(params.id);
  const [result] = await deps.repo.write([{ kind: 'delete', type: params.type, id: params.id, ifMatch: req.headers.ifMatch }]);
  const text = result.status === 204 ? `${params.type}/${params.id} did not exist or was already deleted` : `Deleted ${params.type}/${params.id} (version ${result.versionId})`;
  return { status: 200, headers: (result.status === 200 ? { ETag: etag(result.versionId) } : {}) as Record<string, string>, resource: operationOutcome([issue('information', 'informational', text)]) };
};

/** DELETE [type]?criteria — deletes the single match; several matches are 412. */
export const conditionalDelete: Handler = async ({ req, deps, params }) => {
  requireType(params.type);
  requireWritable(deps, params.type);
  return deps.repo.transaction(async (repo) => {
    const matches = await findMatches(repo, deps, params.type, req.query, { lock: true });
    if (matches.length > 1) throw preconditionFailed(`The criteria match ${matches.length} ${params.type} resources; a conditional delete removes at most one`);
    if (matches.length === 0) return { status: 200, headers: {} as Record<string, string>, resource: operationOutcome([issue('information', 'informational', 'No resource matched; nothing was deleted')]) };
    const [result] = await repo.write([{ kind: 'delete', type: params.type, id: matches[0].id! }]);
    return { status: 200, headers: { ETag: etag(result.versionId) }, resource: operationOutcome([issue('information', 'informational', `Deleted ${params.type}/${matches[0].id}`)]) };
  });
};
