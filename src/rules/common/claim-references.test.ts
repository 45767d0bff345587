import { buildScenario, check } from '../testing';
import { claimReferences } from './claim-references';

describe('claim-references', () => {
  it('passes the clean scenario, where every reference resolves', () => {
    expect(check(claimReferences, buildScenario())).toEqual([]);
  });

  it('when the line names a session that is not stored, claim-references reports Claim.item[0].encounter[0]', () => {
    const s = buildScenario();
    s.claim.item![0].encounter = [{ reference: 'Encounter/missing' }];
    const f = check(claimReferences, s);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ expression: 'Claim.item[0].encounter[0]', item: 0 });
    expect(f[0].diagnostics).toContain('Encounter/missing');
    expect(claimReferences.severity).toBe('error');
  });

  it('when the line names no session at all, claim-references reports Claim.item[0].encounter', () => {
    const s = buildScenario();
    delete s.claim.item![0].encounter;
    expect(check(claimReferences, s).map((f) => f.expression)).toEqual(['Claim.item[0].encounter']);
  });

  it('reports a dangling patient, provider, coverage and care-team member each at its element', () => {
    const s = buildScenario();
    s.claim.patient = { reference: 'Patient/nobody' };
    s.claim.provider = { reference: 'Organization/nowhere' };
    s.claim.insurance![0].coverage = { reference: 'Coverage/none' };
    s.claim.careTeam![0].provider = { reference: 'PractitionerRole/ghost' };
    const expressions = check(claimReferences, s).map((f) => f.expression);
    expect(expressions).toEqual(expect.arrayContaining(['Claim.patient', 'Claim.provider', 'Claim.insurance[0].coverage', 'Claim.careTeam[0].provider']));
  });

  it("when the line's session belongs to another member, claim-references reports it", () => {
    const s = buildScenario();
    s.session.subject = { reference: 'Patient/someone-else' };
    expect(check(claimReferences, s).map((f) => f.expression)).toEqual(['Claim.item[0].encounter[0]']);
  });
});
