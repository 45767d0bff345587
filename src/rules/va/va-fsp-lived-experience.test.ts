import { CS } from '../../prss/terminology';
import { buildScenario, check, type Scenario } from '../testing';
import { vaFspLivedExperience as rule } from './va-fsp-lived-experience';

const issues = (s: Scenario) => check(rule, s).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const asFsp = (s: Scenario) => {
  s.session.serviceType = { coding: [{ system: CS.service, code: 'fsp' }] };
  return s;
};
const withoutLivedExperience = (s: Scenario) => {
  s.prs.qualification = s.prs.qualification!.filter((q) => q.code.coding![0].code !== 'fsp-lived-experience');
  return s;
};

describe('va-fsp-lived-experience', () => {
  it('passes an FSP session rendered by a PRS with FSP lived experience', () => {
    expect(issues(asFsp(buildScenario()))).toEqual([]);
  });

  it('rejects an FSP session with va-fsp-lived-experience when the PRS has no FSP lived experience', () => {
    expect(issues(withoutLivedExperience(asFsp(buildScenario())))).toEqual([
      { rule: 'va-fsp-lived-experience', severity: 'error', expression: 'Claim.careTeam[0].provider', item: 0 },
    ]);
  });

  it('does not require FSP lived experience for a Peer Support Services session', () => {
    expect(issues(withoutLivedExperience(buildScenario()))).toEqual([]);
  });

  it('rejects an FSP session when the lived-experience qualification is recorded as valid only from the day after the service', () => {
    const s = asFsp(buildScenario());
    s.prs.qualification!.find((q) => q.code.coding![0].code === 'fsp-lived-experience')!.period = { start: '2026-03-11' };
    expect(issues(s)).toHaveLength(1);
  });
});
