import { ScopeError, grantScopes, parseScope, parseScopes, scopesAllow, typesAllowed } from './scopes';

describe('SMART scopes', () => {
  it('reads v2 scopes and the v1 read/write/* forms as their v2 equivalents', () => {
    expect([...parseScope('system/CarePlan.rs')!.permissions]).toEqual(['r', 's']);
    expect([...parseScope('system/*.read')!.permissions]).toEqual(['r', 's']);
    expect([...parseScope('system/*.write')!.permissions]).toEqual(['c', 'u', 'd']);
    expect([...parseScope('system/Claim.*')!.permissions]).toEqual(['c', 'r', 'u', 'd', 's']);
  });

  it('rejects letters out of order, repeats, other contexts and granular query scopes', () => {
    for (const s of ['system/Claim.sr', 'system/Claim.rr', 'patient/Claim.rs', 'user/*.read', 'system/Claim.rs?category=x', 'system/claim.rs', 'system/Claim.', 'openid']) {
      expect(parseScope(s)).toBeUndefined();
    }
  });

  it('grants the per-type intersection of requested and registered scopes, in the form each was asked', () => {
    expect(grantScopes('system/*.cruds', ['system/Claim.rs', 'system/Patient.r'])).toEqual(['system/Claim.rs', 'system/Patient.r']);
    expect(grantScopes('system/Claim.read system/Patient.write', ['system/*.cruds'])).toEqual(['system/Claim.read', 'system/Patient.write']);
    expect(grantScopes('system/*.read', ['system/*.*'])).toEqual(['system/*.read']);
    expect(grantScopes('system/*.read', ['system/*.rs'])).toEqual(['system/*.read']);
    expect(grantScopes('system/*.rs system/Claim.r', ['system/*.cruds'])).toEqual(['system/*.rs', 'system/Claim.r']);
    // Narrowed: a v1 request keeps its v1 name when the narrowed permissions have one, else becomes v2.
    expect(grantScopes('system/*.*', ['system/*.read'])).toEqual(['system/*.read']);
    expect(grantScopes('system/Patient.*', ['system/Patient.rs', 'system/Patient.c'])).toEqual(['system/Patient.crs']);
    expect(grantScopes('system/*.cruds', ['system/*.read'])).toEqual(['system/*.rs']);
    // Mixed v1 and v2: each kept as asked.
    expect(grantScopes('system/Patient.read system/Observation.rs', ['system/*.read'])).toEqual(['system/Patient.read', 'system/Observation.rs']);
    // Other kinds of scope are not granted, but do not spoil the request.
    expect(grantScopes('openid system/Patient.rs', ['system/*.rs'])).toEqual(['system/Patient.rs']);
  });

  it('refuses (ScopeError → invalid_scope) empty requests, malformed or unknown-type system scopes, and requests nothing of which can be granted', () => {
    const isType = (t: string) => ['Patient', 'Claim', 'Encounter'].includes(t);
    for (const [asked, why] of [
      ['', /empty/],
      ['   ', /empty/],
      ['system/UnknownResource.read', /not a FHIR R4 resource type/],
      ['system/Patient.rs system/UnknownResource.r', /not a FHIR R4 resource type/],
      ['system/Patient.unknownAction', /not a system scope/],
      ['system/Patient.xyz', /not a system scope/],
      ['system/Patient.rs?a=b', /not a system scope/],
      ['launch fhirUser', /None of the requested scopes/],
      ['system/Encounter.rs', /None of the requested scopes/],
      // Mutation-only requests of a read-only client.
      ['system/Patient.write', /None of the requested scopes/],
      ['system/Patient.cu', /None of the requested scopes/],
      ['system/Patient.d', /None of the requested scopes/],
    ] as const) {
      expect(() => grantScopes(asked, ['system/Claim.rs', 'system/Patient.read'], isType)).toThrow(ScopeError);
      expect(() => grantScopes(asked, ['system/Claim.rs', 'system/Patient.read'], isType)).toThrow(why);
    }
  });

  it('checks a permission on a type, with wildcards', () => {
    const g = parseScopes('system/Claim.rs system/*.r');
    expect(scopesAllow(g, 's', 'Claim')).toBe(true);
    expect(scopesAllow(g, 's', 'Patient')).toBe(false);
    expect(scopesAllow(g, 'r', 'Patient')).toBe(true);
    expect(scopesAllow(g, 'c', 'Claim')).toBe(false);
    expect(scopesAllow(g, 'r')).toBe(true);
  });

  it('lists the types a permission covers: every type for a wildcard, else the named ones (none at all is an empty list)', () => {
    expect(typesAllowed(parseScopes('system/Patient.rs system/Claim.r system/Coverage.s'), 'r')).toEqual(['Claim', 'Patient']);
    expect(typesAllowed(parseScopes('system/Patient.rs system/*.r'), 'r')).toBe('*');
    expect(typesAllowed(parseScopes('system/*.s system/Claim.r'), 'r')).toEqual(['Claim']);
    expect(typesAllowed(parseScopes('system/Patient.c'), 'r')).toEqual([]);
  });
});
