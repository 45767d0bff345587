import { RESOURCE_TYPES, isResourceType } from './resource-types';

describe('RESOURCE_TYPES', () => {
  it('lists the R4 resource types of the official schema, sorted, and nothing else', () => {
    // 146 in R4 4.0.1; the published StructureDefinitions we load also hold R4B's SubscriptionStatus, which R4 lacks.
    expect(RESOURCE_TYPES.length).toBe(146);
    expect(isResourceType('SubscriptionStatus')).toBe(false);
    expect([...RESOURCE_TYPES].sort()).toEqual(RESOURCE_TYPES);
    for (const t of ['Patient', 'Claim', 'ClaimResponse', 'CarePlan', 'Bundle', 'Parameters', 'OperationOutcome']) expect(isResourceType(t)).toBe(true);
    for (const t of ['patient', 'Resource', 'DomainResource', 'Element', 'HumanName', '']) expect(isResourceType(t)).toBe(false);
  });
});
