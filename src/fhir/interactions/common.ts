/** Helpers shared by the interactions: body checks, validation on write, response headers. */
import type { OperationOutcomeIssue } from 'fhir/r4';
import { OutcomeError, badRequest, hasErrors, invalid, notFound, operationOutcome, unprocessable, methodNotAllowed, issue } from '../../outcomes';
import type { Resource, WriteResult } from '../../store/repository';
import { ID_PATTERN, isResourceType } from '../resource-types';
import { checkJsonInput, jsonLimitsOf } from '../../validation/json-input';
import type { FhirDeps, FhirRequest, FhirResponse } from '../types';

export function requireType(type: string): void {
  if (!isResourceType(type)) throw notFound(`Resource type '${type}' is not supported (not an R4 resource type)`);
}

export function requireId(id: string, expression = 'id'): void {
  if (!ID_PATTERN.test(id)) throw badRequest(`'${id}' is not a valid FHIR id (1 to 64 of A-Z, a-z, 0-9, '-' and '.')`, expression);
}

export function requireWritable(deps: FhirDeps, type: string): void {
  if (deps.readOnlyTypes.has(type)) throw methodNotAllowed(`${type} resources are served read-only from the server's conformance package`);
}

/** The body must be a JSON object naming the URL's resource type. */
export function requireResourceBody(body: unknown, type?: string): Resource {
  if (body === undefined || body === null || body === '') throw badRequest('The request has no body; a FHIR resource was expected', undefined, 'required');
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('The body is not a FHIR resource (expected a JSON object with resourceType)', undefined, 'structure');
  const rt = (body as { resourceType?: unknown }).resourceType;
  if (typeof rt !== 'string') throw badRequest('The body has no resourceType', 'resourceType', 'structure');
  if (!isResourceType(rt)) throw badRequest(`'${rt}' is not an R4 resource type`, 'resourceType', 'structure');
  if (type && rt !== type) throw badRequest(`The body is a ${rt} but the URL names ${type}`, 'resourceType', 'invalid');
  return body as Resource;
}

/**
 * Validation on write, per VALIDATE_ON_WRITE: broken structure is 400 (the resource failed basic
 * FHIR validation), a profile violation 422. Returns the warnings to report.
 */
export function validateForWrite(deps: FhirDeps, resource: Resource): OperationOutcomeIssue[] {
  // Whatever its source (a body, a patched resource, a bundle entry), what is stored stays within the
  // input limits and holds only valid FHIR strings, even with validation off.
  checkJsonInput(resource, jsonLimitsOf(deps.config), 'The resource');
  const mode = deps.config.VALIDATE_ON_WRITE;
  if (mode === 'off') return [];
  const structural = deps.validator.structure(resource);
  if (hasErrors(structural)) throw invalid(structural.filter((i) => i.severity === 'error' || i.severity === 'fatal'));
  if (mode === 'structure') return structural;
  const conformance = deps.validator.profile(resource);
  if (hasErrors(conformance)) throw unprocessable(conformance);
  return [...structural, ...conformance];
}

/**
 * Whether the client may be shown a stored resource of this type that it neither wrote nor searched
 * for (the existing match of a conditional create): its role and scopes allow reading the type.
 */
export function mayRead(req: FhirRequest, deps: FhirDeps, type: string): boolean {
  if (!deps.access) return true;
  try {
    deps.access.assertAllowed(req.auth, 'read', type);
    return true;
  } catch (e) {
    if (e instanceof OutcomeError && (e.status === 403 || e.status === 401)) return false;
    throw e;
  }
}

export const etag = (versionId: string) => `W/"${versionId}"`;

export function versionHeaders(r: { versionId: string; lastUpdated: string }): Record<string, string> {
  return { ETag: etag(r.versionId), 'Last-Modified': new Date(r.lastUpdated).toUTCString() };
}

/** The response to a create or update, honouring Prefer: return. */
export function writeResponse(req: FhirRequest, result: WriteResult, issues: OperationOutcomeIssue[] = []): FhirResponse {
  const headers: Record<string, string> = {
    ...versionHeaders(result),
    Location: `${req.baseUrl}/${result.type}/${result.id}/_history/${result.versionId}`,
  };
  const status = result.created ? 201 : 200;
  switch (req.prefer.return) {
    case 'minimal':
      return { status, headers };
    case 'OperationOutcome': {
      const text = `${result.created ? 'Created' : 'Updated'} ${result.type}/${result.id} version ${result.versionId}`;
      return { status, headers, resource: operationOutcome([issue('information', 'informational', text), ...issues]) };
    }
    default:
      return { status, headers, resource: result.resource };
  }
}

export const param = (q: [string, string][], name: string) => q.find(([k]) => k === name)?.[1];
