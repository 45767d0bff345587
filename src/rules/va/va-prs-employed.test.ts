import { buildScenario, check, type Scenario } from '../testing';
import { vaPrsEmployed as rule } from './va-prs-employed';

const issues = (s: Scenario) => check(rule, s).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const rejected = [{ rule: 'va-prs-employed', severity: 'error', expression: 'Claim.careTeam[0].provider', item: 0 }];

describe('va-prs-employed', () => {
  it('passes when the PRS has an active role with the billing provider on the date of service', () => {
    expect(issues(buildScenario())).toEqual([]);
  });

  it('passes when the role ends on the date of service (dates inclusive)', () => {
    const s = buildScenario();
    s.prsRole.period = { start: '2024-01-01', end: '2026-03-10' };
    expect(issues(s)).toEqual([]);
  });

  it('rejects the line with va-prs-employed when the role ended the day before the date of service', () => {
    const s = buildScenario();
    s.prsRole.period = { start: '2024-01-01', end: '2026-03-09' };
    expect(issues(s)).toEqual(rejected);
  });

  it('rejects the line when the role is inactive', () => {
    const s = buildScenario();
    s.prsRole.active = false;
    expect(issues(s)).toEqual(rejected);
  });

  it('rejects the line when the PRS works for another organization than the billing provider', () => {
    const s = buildScenario();
    s.prsRole.organization = { reference: 'Organization/elsewhere' };
    expect(issues(s)).toEqual(rejected);
  });

  it('accepts the claim naming the Practitioner instead of the role', () => {
    const s = buildScenario();
    s.claim.careTeam![0].provider = { reference: `Practitioner/${s.prs.id}` };
    expect(issues(s)).toEqual([]);
  });
});
