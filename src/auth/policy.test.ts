import type { AuthContext } from '../fhir/types';
import { SqlParams } from '../store/sql';
import { TenancyPolicy, type Interaction } from './policy';

const policy = new TenancyPolicy();
const client = (role: AuthContext['role'], scopes = ['system/*.cruds']): AuthContext => ({ clientId: role, role, scopes, organization: role === 'ehr' || role === 'payer' ? 'Organization/o1' : undefined });
const status = (auth: AuthContext | undefined, interaction: Interaction, type?: string) => {
  try {
    policy.assertAllowed(auth, interaction, type);
    return 200;
  } catch (e) {
    return (e as { status: number }).status;
  }
};

describe('role and scope checks', () => {
  it.each([
    ['ehr', 'read', 'Encounter', 200], ['ehr', 'create', 'Claim', 200], ['ehr', 'export', undefined, 403], ['ehr', 'search', 'AuditEvent', 403],
    ['payer', 'read', 'Claim', 200], ['payer', 'search', 'Patient', 200], ['payer', 'read', 'Encounter', 403], ['payer', 'create', 'Claim', 200],
    ['payer', 'create', 'Patient', 403], ['payer', 'delete', 'Claim', 403], ['payer', 'operation', 'Claim', 200], ['payer', 'export', 'Claim', 403],
    ['warehouse', 'search', 'CarePlan', 200], ['warehouse', 'export', 'CarePlan', 200], ['warehouse', 'update', 'CarePlan', 403], ['warehouse', 'read', 'AuditEvent', 403],
    ['admin', 'delete', 'Patient', 200], ['admin', 'search', 'AuditEvent', 200], ['admin', 'create', 'AuditEvent', 403],
  ] as const)('%s %s %s: %i', (role, interaction, type, expected) => {
    expect(status(client(role), interaction, type)).toBe(expected);
  });

  it('needs a token at all: 401', () => {
    expect(status(undefined, 'read', 'Patient')).toBe(401);
  });

  it('maps interactions onto SMART permissions: read r, search s, create c, update u, delete d', () => {
    const rs = client('admin', ['system/Patient.rs']);
    expect(status(rs, 'read', 'Patient')).toBe(200);
    expect(status(rs, 'search', 'Patient')).toBe(200);
    expect(status(rs, 'create', 'Patient')).toBe(403);
    expect(status(rs, 'read', 'Claim')).toBe(403);
    const cud = client('admin', ['system/*.write']);
    expect(status(cud, 'update', 'Claim')).toBe(200);
    expect(status(cud, 'delete', 'Claim')).toBe(200);
    expect(status(cud, 'search', 'Claim')).toBe(403);
  });
});

describe('search filters', () => {
  it('adds nothing for admin, hides AuditEvent from the warehouse, and tenancy SQL for ehr and payer', () => {
    expect(policy.searchFilter(client('admin'), 'Patient', new SqlParams(), 'r')).toEqual([]);
    expect(policy.searchFilter(client('warehouse'), 'Patient', new SqlParams(), 'r')).toEqual(["r.type <> 'AuditEvent'"]);
    expect(policy.searchFilter(client('warehouse'), 'AuditEvent', new SqlParams(), 'r')).toEqual(['false']);
    const p = new SqlParams();
    const [ehr] = policy.searchFilter(client('ehr'), 'Patient', p, 'r');
    expect(ehr).toMatch(/prss_ehr_members\(\$1\)/);
    expect(p.values).toEqual(['o1']);
    const [payer] = policy.searchFilter(client('payer'), 'Claim', new SqlParams(), 'r');
    expect(payer).toMatch(/prss_payer_coverages\(\$1\)/);
    expect(policy.searchFilter(undefined, 'Patient', new SqlParams(), 'r')).toEqual(['false']);
  });
});
