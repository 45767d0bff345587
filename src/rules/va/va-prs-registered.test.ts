import { buildScenario, check, type Scenario } from '../testing';
import { vaPrsRegistered as rule } from './va-prs-registered';

const issues = (s: Scenario) => check(rule, s).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const registration = (s: Scenario) => s.prs.qualification!.find((q) => q.code.coding![0].code === 'prs-registration')!;

describe('va-prs-registered', () => {
  it('passes when the rendering PRS is registered with the Board of Counseling on the date of service', () => {
    expect(issues(buildScenario())).toEqual([]);
  });

  it('passes when the registration starts on the date of service (dates inclusive)', () => {
    const s = buildScenario();
    registration(s).period = { start: '2026-03-10' };
    expect(issues(s)).toEqual([]);
  });

  it('rejects the line with va-prs-registered when the registration starts the day after the date of service', () => {
    const s = buildScenario();
    registration(s).period = { start: '2026-03-11' };
    expect(issues(s)).toEqual([{ rule: 'va-prs-registered', severity: 'error', expression: 'Claim.careTeam[0].provider', item: 0 }]);
  });

  it('judges each line on its own date: only the line after the registration lapsed is rejected', () => {
    const s = buildScenario();
    registration(s).period = { start: '2024-01-01', end: '2026-03-31' };
    s.claim.item!.push({ ...s.claim.item![0], sequence: 2, servicedDate: '2026-04-01' });
    expect(issues(s)).toEqual([{ rule: 'va-prs-registered', severity: 'error', expression: 'Claim.careTeam[0].provider', item: 1 }]);
  });

  it('points at the care-team member the line names', () => {
    const s = buildScenario();
    s.claim.careTeam!.unshift({ sequence: 2, provider: { reference: `PractitionerRole/${s.supervisorRole.id}` } });
    registration(s).period = { start: '2024-01-01', end: '2025-01-01' };
    expect(issues(s)).toEqual([{ rule: 'va-prs-registered', severity: 'error', expression: 'Claim.careTeam[1].provider', item: 0 }]);
  });
});
