import { buildScenario, check, type Scenario } from '../testing';
import { ctUnitTime as rule } from './ct-unit-time';

const issues = (s: Scenario) => check(rule, s).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item, allowedUnits: f.allowedUnits }));
const scenario = () => buildScenario({ jurisdiction: 'US-CT' });

describe('ct-unit-time', () => {
  it('passes 4 units for a 60-minute session', () => {
    expect(issues(scenario())).toEqual([]);
  });

  it('rejects 5 units for a 60-minute session with ct-unit-time, allowing 4', () => {
    const s = scenario();
    s.claim.item![0].quantity = { value: 5 };
    expect(issues(s)).toEqual([{ rule: 'ct-unit-time', severity: 'error', expression: 'Claim.item[0].quantity', item: 0, allowedUnits: 4 }]);
  });

  it('allows 1 unit for a session of exactly 15 minutes and none for 14', () => {
    const s = scenario();
    s.claim.item![0].quantity = { value: 1 };
    s.session.period!.end = '2026-03-10T10:15:00-05:00';
    expect(issues(s)).toEqual([]);
    s.session.period!.end = '2026-03-10T10:14:00-05:00';
    expect(issues(s)).toEqual([{ rule: 'ct-unit-time', severity: 'error', expression: 'Claim.item[0].quantity', item: 0, allowedUnits: 0 }]);
  });
});
