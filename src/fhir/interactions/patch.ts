import { applyPatch, validate as validatePatch, type Operation } from 'fast-json-patch';
import { badRequest, issue, notFound, preconditionFailed, unsupportedMediaType, unprocessable } from '../../outcomes';
import type { Repository, Resource } from '../../store/repository';
import type { FhirDeps, FhirRequest, FhirResponse, Handler } from '../types';
import { findMatches } from './conditional';
import { applyFhirPathPatch, parseFhirPathPatch } from './fhirpath-patch';
import { requireId, requireType, requireWritable, validateForWrite, writeResponse } from './common';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Apply a JSON Patch document to a resource, without touching the original. */
export function applyJsonPatch(current: Resource, body: unknown): Resource {
  if (!Array.isArray(body)) throw badRequest('A JSON Patch body is an array of operations', undefined, 'structure');
  const ops = body as Operation[];
  ops.forEach((op, i) => {
    if (!op || typeof op !== 'object' || Array.isArray(op)) throw badRequest(`JSON Patch operation ${i} is not an object`, undefined, 'structure');
    for (const key of ['path', 'from'] as const) {
      const pointer = (op as unknown as Record<string, unknown>)[key];
      if (pointer === undefined && key === 'from') continue;
      if (typeof pointer !== 'string') throw badRequest(`JSON Patch operation ${i} needs '${key}' as a JSON Pointer string`, undefined, 'structure');
      // No FHIR element is named so; writing them would reach JavaScript's object machinery.
      const banned = pointer.split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~')).find((t) => FORBIDDEN_KEYS.has(t));
      if (banned !== undefined) throw badRequest(`JSON Patch operation ${i}: '${banned}' in ${key} '${pointer.slice(0, 200)}' names no FHIR element`, undefined, 'invalid');
    }
  });
  let error: Error | undefined;
  try {
    error = validatePatch(ops, current);
  } catch (e) {
    throw badRequest(`The JSON Patch is not valid: ${(e as Error).message.split('\n')[0]}`, undefined, 'invalid');
  }
  if (error && error.name === 'TEST_OPERATION_FAILED') {
    // A failed `test` is a precondition of the patch not holding, not malformed input.
    throw unprocessable([issue('error', 'processing', `The JSON Patch test at ${String((error as { operation?: { path?: string } }).operation?.path)} failed; nothing was changed`)]);
  }
  if (error) throw badRequest(`The JSON Patch is not valid: ${error.message.split('\n')[0]}`, undefined, 'invalid');
  let patched: Resource;
  try {
    patched = applyPatch(structuredClone(current), ops, false, false).newDocument;
  } catch (e) {
    // A failed `test` operation is a precondition of the patch, not malformed input.
    throw unprocessable([issue('error', 'processing', `The JSON Patch could not be applied: ${(e as Error).message.split('\n')[0]}`)]);
  }
  if (patched.resourceType !== current.resourceType || patched.id !== current.id) {
    throw unprocessable([issue('error', 'processing', 'A patch may not change resourceType or id')]);
  }
  return patched;
}

/** The patch format of a PATCH request, by its Content-Type: JSON Patch, or FHIRPath Patch (a Parameters resource in FHIR JSON). */
function patcherFor(req: FhirRequest): (current: Resource) => Resource {
  const ct = (req.headers.contentType ?? '').split(';')[0].trim().toLowerCase();
  if (ct === 'application/json-patch+json') return (current) => applyJsonPatch(current, req.body);
  if (ct === 'application/fhir+json' || ct === 'application/json') {
    // A JSON Patch (an array) labelled as FHIR JSON: the media type is what is wrong.
    if (Array.isArray(req.body)) throw unsupportedMediaType(`A JSON Patch is sent as application/json-patch+json, not ${ct}`);
    const rt = (req.body as { resourceType?: unknown } | undefined)?.resourceType;
    if (rt !== 'Parameters') throw badRequest(`A PATCH in ${ct} is a FHIRPath Patch: a Parameters resource${rt ? `, not a ${String(rt)}` : ''}`, undefined, 'structure');
    parseFhirPathPatch(req.body); // malformed is 400 before anything is read
    return (current) => applyFhirPathPatch(current, req.body);
  }
  throw unsupportedMediaType(`PATCH takes a JSON Patch (application/json-patch+json) or a FHIRPath Patch (application/fhir+json), not '${ct || 'none'}'`);
}

/** Patch the current version of one resource and write it as a new version, validated like any write. */
async function patchOne(req: FhirRequest, deps: FhirDeps, repo: Repository, current: Resource, patcher: (r: Resource) => Resource): Promise<FhirResponse> {
  const patched = patcher(current);
  stripVersionMeta(patched);
  const warnings = validateForWrite(deps, patched);
  const [result] = await repo.write([{ kind: 'update', resource: patched, ifMatch: req.headers.ifMatch ?? current.meta?.versionId, method: 'PATCH' }]);
  const ruleIssues = deps.claimCheck && patched.resourceType === 'Claim' ? await deps.claimCheck(result.resource!, repo) : [];
  return writeResponse(req, result, [...warnings, ...ruleIssues]);
}

/** PATCH [type]/[id] with a JSON Patch or a FHIRPath Patch. */
export const patchResource: Handler = async ({ req, deps, params }) => {
  requireType(params.type);
  requireWritable(deps, params.type);
  requireId(params.id);
  const patcher = patcherFor(req);
  return deps.repo.transaction(async (repo) => patchOne(req, deps, repo, await repo.read(params.type, params.id), patcher));
};

/** PATCH [type]?criteria — patches the single match; none is 404, several 412. */
export const conditionalPatch: Handler = async ({ req, deps, params }) => {
  requireType(params.type);
  requireWritable(deps, params.type);
  const patcher = patcherFor(req);
  return deps.repo.transaction(async (repo) => {
    const matches = await findMatches(repo, deps, params.type, req.query);
    if (matches.length > 1) throw preconditionFailed(`The criteria match ${matches.length} ${params.type} resources; a conditional patch changes exactly one`);
    if (matches.length === 0) throw notFound(`No ${params.type} matches the criteria; nothing was patched`);
    return patchOne(req, deps, repo, matches[0], patcher);
  });
};

/** The store sets versionId and lastUpdated; drop the old ones (and a meta left empty, which FHIR JSON forbids). */
export function stripVersionMeta(r: Resource): void {
  if (!r.meta) return;
  delete r.meta.versionId;
  delete r.meta.lastUpdated;
  if (Object.keys(r.meta).length === 0) delete r.meta;
}
