import { operationOutcome, issue, preconditionFailed } from '../../outcomes';
import type { Handler } from '../types';
import { mayRead, requireResourceBody, requireType, requireWritable, validateForWrite, versionHeaders, writeResponse } from './common';
import { findMatches } from './conditional';

/** POST [type] — server-assigned id; conditional with If-None-Exist. */
export const createResource: Handler = async ({ req, deps, params }) => {
  requireType(params.type);
  requireWritable(deps, params.type);
  const resource = requireResourceBody(req.body, params.type);
  const warnings = validateForWrite(deps, resource);
  return deps.repo.transaction(async (repo) => {
    if (req.headers.ifNoneExist !== undefined) {
      const matches = await findMatches(repo, deps, params.type, req.headers.ifNoneExist, { lock: true });
      if (matches.length > 1) throw preconditionFailed(`If-None-Exist '${req.headers.ifNoneExist}' matches ${matches.length} ${params.type} resources`);
      if (matches.length === 1) {
        const existing = matches[0];
        const meta = existing.meta!;
        const headers = { ...versionHeaders({ versionId: meta.versionId!, lastUpdated: meta.lastUpdated! }), Location: `${req.baseUrl}/${params.type}/${existing.id}/_history/${meta.versionId}` };
        if (req.prefer.return === 'minimal') return { status: 200, headers };
        if (req.prefer.return === 'OperationOutcome') return { status: 200, headers, resource: operationOutcome([issue('information', 'informational', `${params.type}/${existing.id} already matches If-None-Exist; nothing was created`)]) };
        // A client that may create this type but not read it learns that a match exists, not what it holds.
        if (!mayRead(req, deps, params.type)) return { status: 200, headers };
        return { status: 200, headers, resource: existing };
      }
    }
    delete resource.id; // the server assigns ids on create
    const [result] = await repo.write([{ kind: 'create', resource }]);
    const ruleIssues = deps.claimCheck && resource.resourceType === 'Claim' ? await deps.claimCheck(result.resource!, repo) : [];
    return writeResponse(req, result, [...warnings, ...ruleIssues]);
  });
};

