import { badRequest, preconditionFailed } from '../../outcomes';
import type { Handler } from '../types';
import { requireId, requireResourceBody, requireType, requireWritable, validateForWrite, writeResponse } from './common';
import { findMatches } from './conditional';

/** PUT [type]/[id] — update, or create with the client's id (update-as-create). */
export const updateResource: Handler = async ({ req, deps, params }) => {
  requireType(params.type);
  requireWritable(deps, params.type);
  requireId(params.id);
  const resource = requireResourceBody(req.body, params.type);
  if (resource.id === undefined) throw badRequest('The resource in an update must carry its id', `${params.type}.id`, 'required');
  if (resource.id !== params.id) throw badRequest(`The body's id '${resource.id}' does not match the URL's id '${params.id}'`, `${params.type}.id`);
  const warnings = validateForWrite(deps, resource);
  return deps.repo.transaction(async (repo) => {
    const [result] = await repo.write([{ kind: 'update', resource, ifMatch: req.headers.ifMatch }]);
    const ruleIssues = deps.claimCheck && resource.resourceType === 'Claim' ? await deps.claimCheck(result.resource!, repo) : [];
    return writeResponse(req, result, [...warnings, ...ruleIssues]);
  });
};

/** PUT [type]?criteria — conditional update. */
export const conditionalUpdate: Handler = async ({ req, deps, params }) => {
  requireType(params.type);
  requireWritable(deps, params.type);
  const resource = requireResourceBody(req.body, params.type);
  const warnings = validateForWrite(deps, resource);
  return deps.repo.transaction(async (repo) => {
    const matches = await findMatches(repo, deps, params.type, req.query, { lock: true });
    if (matches.length > 1) throw preconditionFailed(`The criteria match ${matches.length} ${params.type} resources; a conditional update needs at most one`);
    if (matches.length === 1) {
      if (resource.id !== undefined && resource.id !== matches[0].id) throw badRequest(`The body's id '${resource.id}' is not the id of the matching resource '${matches[0].id}'`, `${params.type}.id`);
      resource.id = matches[0].id;
    } else if (resource.id !== undefined) {
      requireId(resource.id, `${params.type}.id`);
    }
    const op = matches.length === 1 || resource.id !== undefined
      ? { kind: 'update' as const, resource, ifMatch: req.headers.ifMatch }
      : { kind: 'create' as const, resource };
    const [result] = await repo.write([op]);
    const ruleIssues = deps.claimCheck && resource.resourceType === 'Claim' ? await deps.claimCheck(result.resource!, repo) : [];
    return writeResponse(req, result, [...warnings, ...ruleIssues]);
  });
};
