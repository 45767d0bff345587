import { grantScopes, parseScope, parseScopes, scopesAllow, typesAllowed } from './scopes';

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

  it('grants the per-type intersection of requested and registered scopes', () => {
    expect(grantScopes('system/*.cruds', ['system/Claim.rs', 'system/Patient.r'])).toEqual(['system/Claim.rs', 'system/Patient.r']);
    expect(grantScopes('system/Claim.read system/Patient.write', ['system/*.cruds'])).toEqual(['system/Claim.rs', 'system/Patient.cud']);
    expect(grantScopes('system/*.read', ['system/*.*'])).toEqual(['system/*.rs']);
    expect(grantScopes('system/Encounter.rs', ['system/Claim.rs'])).toEqual([]);
    expect(grantScopes('system/*.rs system/Claim.r', ['system/*.cruds'])).toEqual(['system/*.rs']);
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
