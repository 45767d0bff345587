import { applyPatch, validate as validatePatch, type Operation } from 'fast-json-patch';
import { badRequest, unsupportedMediaType, unprocessable, issue } from '../../outcomes';
import type { Resource } from '../../store/repository';
import type { Handler } from '../types';
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

/** PATCH [type]/[id] with application/json-patch+json. */
export const patchResource: Handler = async ({ req, deps, params }) => {
  requireType(params.type);
  requireWritable(deps, params.type);
  requireId(params.id);
  const ct = req.headers.contentType ?? '';
  if (!/application\/json-patch\+json/i.test(ct)) throw unsupportedMediaType(`PATCH takes a JSON Patch (application/json-patch+json), not '${ct || 'none'}'`);
  return deps.repo.transaction(async (repo) => {
    const current = await repo.read(params.type, params.id);
    const patched = applyJsonPatch(current, req.body);
    stripVersionMeta(patched);
    const warnings = validateForWrite(deps, patched);
    const [result] = await repo.write([{ kind: 'update', resource: patched, ifMatch: req.headers.ifMatch ?? current.meta?.versionId, method: 'PATCH' }]);
    const ruleIssues = deps.claimCheck && patched.resourceType === 'Claim' ? await deps.claimCheck(result.resource!, repo) : [];
    return writeResponse(req, result, [...warnings, ...ruleIssues]);
  });
};

/** The store sets versionId and lastUpdated; drop the old ones (and a meta left empty, which FHIR JSON forbids). */
export function stripVersionMeta(r: Resource): void {
  if (!r.meta) return;
  delete r.meta.versionId;
  delete r.meta.lastUpdated;
  if (Object.keys(r.meta).length === 0) delete r.meta;
}
