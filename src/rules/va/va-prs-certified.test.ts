import { buildScenario, check, type Scenario } from '../testing';
import { vaPrsCertified as rule } from './va-prs-certified';

const issues = (s: Scenario) => check(rule, s).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const certification = (s: Scenario) => s.prs.qualification!.find((q) => q.code.coding![0].code === 'prs-certification')!;

describe('va-prs-certified', () => {
  it('passes when the rendering PRS holds a certification current on the date of service', () => {
    expect(issues(buildScenario())).toEqual([]);
  });

  it('passes when the certification expires on the date of service itself (dates inclusive)', () => {
    const s = buildScenario();
    certification(s).period = { start: '2024-01-01', end: '2026-03-10' };
    expect(issues(s)).toEqual([]);
  });

  it('rejects the line with va-prs-certified when the certification expired the day before the date of service', () => {
    const s = buildScenario();
    certification(s).period = { start: '2024-01-01', end: '2026-03-09' };
    expect(issues(s)).toEqual([{ rule: 'va-prs-certified', severity: 'error', expression: 'Claim.careTeam[0].provider', item: 0 }]);
    expect(check(rule, s)[0].diagnostics).toContain('2026-03-10');
  });

  it('rejects the line when the PRS holds no certification at all', () => {
    const s = buildScenario();
    s.prs.qualification = s.prs.qualification!.filter((q) => q !== certification(s));
    expect(issues(s)).toEqual([{ rule: 'va-prs-certified', severity: 'error', expression: 'Claim.careTeam[0].provider', item: 0 }]);
  });

  it('rejects the line when its care-team reference resolves to no practitioner', () => {
    const s = buildScenario();
    s.claim.careTeam![0].provider = { reference: 'PractitionerRole/missing' };
    expect(issues(s)).toEqual([{ rule: 'va-prs-certified', severity: 'error', expression: 'Claim.careTeam[0].provider', item: 0 }]);
  });
});
