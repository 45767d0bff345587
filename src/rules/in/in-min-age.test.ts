import { buildScenario, check, type Scenario } from '../testing';
import { inMinAge as rule } from './in-min-age';

const issues = (s: Scenario) => check(rule, s).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));

describe('in-min-age', () => {
  it('passes a member who turns 16 on the date of service', () => {
    expect(issues(buildScenario({ jurisdiction: 'US-IN', birthDate: '2010-03-10' }))).toEqual([]);
  });

  it('rejects a member who is 15 on the date of service (16 the next day) with in-min-age', () => {
    const s = buildScenario({ jurisdiction: 'US-IN', birthDate: '2010-03-11' });
    expect(issues(s)).toEqual([{ rule: 'in-min-age', severity: 'error', expression: 'Claim.patient', item: 0 }]);
    expect(check(rule, s)[0].diagnostics).toContain('is 15 on 2026-03-10');
  });

  it('rejects a line when the member has no birth date', () => {
    const s = buildScenario({ jurisdiction: 'US-IN' });
    delete s.member.birthDate;
    expect(issues(s)).toHaveLength(1);
  });

  it('judges each line on its own date of service', () => {
    const s = buildScenario({ jurisdiction: 'US-IN', birthDate: '2010-03-12' });
    s.claim.item!.push({ ...s.claim.item![0], sequence: 2, servicedDate: '2026-03-12' });
    expect(issues(s)).toEqual([{ rule: 'in-min-age', severity: 'error', expression: 'Claim.patient', item: 0 }]);
  });
});
