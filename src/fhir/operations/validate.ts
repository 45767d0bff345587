/**
 * $validate for every resource type (the R4 Resource-validate operation): structure, base R4 and
 * profile conformance; for a Claim also every rule of its policy pack. HTTP 200 with an
 * OperationOutcome whenever validation ran; 4xx only when it could not.
 */
import type { Claim, OperationDefinition, OperationOutcomeIssue } from 'fhir/r4';
import { badRequest, hasErrors, issue, operationOutcome } from '../../outcomes';
import { checkClaim, ruleOptionsFrom } from '../../rules/service';
import { syncContextCache } from '../../rules/gather';
import type { Jurisdiction } from '../../rules/engine';
import { requireId } from '../interactions/common';
import { coreResources } from '../core-definitions';
import { defineOperation } from '../registry';
import type { Handler } from '../types';
import { first, loadOperationDefinition, parseOperationInput } from './parameters';
import { runTypeRules } from './type-rules';

/** The official R4 definition, read from the published definitions. */
function officialDefinition(id: string): OperationDefinition {
  const def = coreResources('profiles-resources.json').find((r): r is OperationDefinition => r.resourceType === 'OperationDefinition' && r.id === id);
  if (!def) throw new Error(`OperationDefinition ${id} is not in the published R4 definitions`);
  return def;
}

let resourceValidateDef: OperationDefinition | undefined;
const claimValidateDef = loadOperationDefinition('Claim-validate');
const MODES = ['create', 'update', 'delete', 'profile'];
const JURISDICTIONS = ['US-VA', 'US-IN', 'US-CT'];

export const validateOperation: Handler = async ({ req, deps, params }) => {
  const type = params.type;
  const def = type === 'Claim' ? claimValidateDef : (resourceValidateDef ??= officialDefinition('Resource-validate'));
  // A Parameters resource posted to /Parameters/$validate is the resource to validate, unless it
  // carries the operation's own `resource` part (as the reference validator reads it).
  const body = req.body as { resourceType?: unknown; parameter?: unknown } | undefined;
  const bodyIsTarget = type === 'Parameters' && body?.resourceType === 'Parameters'
    && !(Array.isArray(body.parameter) && body.parameter.some((p) => (p as { name?: unknown } | null)?.name === 'resource'));
  const input = parseOperationInput(def, bodyIsTarget ? undefined : req.body, req.query);
  if (bodyIsTarget) input.resource = req.body as typeof input.resource;
  const mode = first(input, 'mode');
  if (mode && !MODES.includes(mode)) throw badRequest(`mode must be one of ${MODES.join(', ')}, not '${mode}'`, 'mode');
  const jurisdiction = first(input, 'jurisdiction');
  if (jurisdiction && !JURISDICTIONS.includes(jurisdiction)) throw badRequest(`jurisdiction must be one of ${JURISDICTIONS.join(', ')}, not '${jurisdiction}'`, 'jurisdiction');
  const profile = first(input, 'profile');

  let resource = input.resource;
  if (params.id) requireId(params.id);
  if (mode === 'delete') {
    if (!params.id) throw badRequest('mode=delete validates deleting an existing resource: call it on [type]/[id]/$validate');
    await deps.repo.readRaw(type, params.id);
    return { status: 200, headers: {}, resource: operationOutcome([issue('information', 'informational', `${type}/${params.id} can be deleted: no rule of this server prevents it`)]) };
  }
  if (!resource && params.id) resource = await deps.repo.read(type, params.id);
  if (!resource) throw badRequest(`$validate needs a resource: the body, or a Parameters resource with a 'resource' parameter`, undefined, 'required');

  // A claim's rules need the context cache brought up to date (a round trip to the store): start it
  // now, so it runs while the structure and profiles are checked.
  const isClaim = resource.resourceType === 'Claim' && type === 'Claim';
  const synced = isClaim ? syncContextCache(deps.repo) : undefined;
  const issues: OperationOutcomeIssue[] = [];
  if (resource.resourceType !== type) {
    issues.push(issue('error', 'invalid', `The resource is a ${String(resource.resourceType)} but the operation was called on ${type}`, 'resourceType'));
  }
  if (mode === 'update') {
    if (!resource.id) issues.push(issue('error', 'required', 'mode=update needs the resource id', `${type}.id`));
    else if (params.id && resource.id !== params.id) issues.push(issue('error', 'invalid', `The resource id '${resource.id}' is not the URL's id '${params.id}'`, `${type}.id`));
  }
  const structural = deps.validator.structure(resource);
  issues.push(...structural);
  const shapeOk = !hasErrors(structural) && resource.resourceType === type;
  if (shapeOk) issues.push(...deps.validator.profile(resource, profile ? [profile] : undefined));
  // Rules registered for the type (session rules for Encounter, RRWP rules for CarePlan; type-rules.ts).
  if (shapeOk) issues.push(...(await runTypeRules(resource, deps)));

  if (isClaim) {
    if (shapeOk) {
      const check = await checkClaim(deps.repo, resource as Claim, { jurisdiction: jurisdiction as Jurisdiction | undefined, ruleOptions: ruleOptionsFrom(deps.config), synced });
      issues.push(...check.issues);
    } else {
      issues.push(issue('information', 'informational', 'The PRSS rules were not evaluated: the claim\'s structure has errors'));
    }
  }
  if (!hasErrors(issues)) issues.push(issue('information', 'informational', `Validation found no errors${issues.length ? ` (${issues.length} warning${issues.length === 1 ? '' : 's'} or notes)` : ''}`));
  return { status: 200, headers: {}, resource: operationOutcome(issues) };
};

// Claim's own definition (it adds `jurisdiction`) is registered first, so it wins for Claim.
defineOperation({
  name: 'validate',
  definition: claimValidateDef.url!,
  type: true,
  instance: true,
  resourceTypes: ['Claim'],
  methods: ['POST'],
  handler: validateOperation,
});
defineOperation({
  name: 'validate',
  definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate',
  type: true,
  instance: true,
  resourceTypes: '*',
  methods: ['POST'],
  handler: validateOperation,
});

