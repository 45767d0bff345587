/**
 * Claim/$submit: store the Claim, adjudicate it against its policy pack and store the ClaimResponse,
 * in one transaction. The same claim identifier submitted again replaces the stored claim and its
 * response (never a second bill).
 */
import type { Claim, ClaimResponse } from 'fhir/r4';
import { badRequest } from '../../outcomes';
import { adjudicate, checkClaim, ruleOptionsFrom } from '../../rules/service';
import { requireResourceBody, validateForWrite } from '../interactions/common';
import { findMatches } from '../interactions/conditional';
import { defineOperation } from '../registry';
import type { Handler } from '../types';
import { loadOperationDefinition, parseOperationInput } from './parameters';

const def = loadOperationDefinition('Claim-submit');

export const submitClaim: Handler = async ({ req, deps }) => {
  const input = parseOperationInput(def, req.body, req.query);
  if (!input.resource) throw badRequest('$submit needs the Claim: as the body, or as the resource parameter', undefined, 'required');
  const claim = requireResourceBody(input.resource, 'Claim') as Claim;
  validateForWrite(deps, claim);
  return deps.repo.transaction(async (repo) => {
    // Same identifier → same stored claim.
    const ident = claim.identifier?.find((i) => i.value);
    let existingId: string | undefined;
    if (ident) {
      const m = await findMatches(repo, deps, 'Claim', [['identifier', `${ident.system ? `${ident.system}|` : ''}${ident.value}`]], { lock: true });
      if (m.length > 1) throw badRequest(`${m.length} stored claims carry identifier ${ident.system ?? ''}|${ident.value}; resolve the duplicates before submitting again`, 'Claim.identifier', 'duplicate');
      existingId = m[0]?.id;
    }
    if (existingId) claim.id = existingId;
    const [stored] = await repo.write([claim.id ? { kind: 'update', resource: claim } : { kind: 'create', resource: claim }]);
    const storedClaim = stored.resource as Claim;
    const ruleOptions = ruleOptionsFrom(deps.config);
    const check = await checkClaim(repo, storedClaim, { ruleOptions });
    const response = adjudicate(storedClaim, check, `Claim/${storedClaim.id}`, ruleOptions.ctRate);
    const previous = await findMatches(repo, deps, 'ClaimResponse', [['request', `Claim/${storedClaim.id}`]]);
    if (previous[0]) response.id = previous[0].id;
    const [written] = await repo.write([{ kind: 'update', resource: response }]);
    return {
      status: 200,
      headers: { Location: `${req.baseUrl}/ClaimResponse/${written.id}/_history/${written.versionId}` },
      resource: written.resource as ClaimResponse,
    };
  });
};

defineOperation({
  name: 'submit',
  definition: def.url!,
  type: true,
  resourceTypes: ['Claim'],
  methods: ['POST'],
  resource: def,
  handler: submitClaim,
});
