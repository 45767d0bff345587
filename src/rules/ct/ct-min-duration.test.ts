import { buildScenario, check, type Scenario } from '../testing';
import { ctMinDuration as rule } from './ct-min-duration';

const issues = (s: Scenario) => check(rule, s).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const lasting = (minutes: number) => {
  const s = buildScenario({ jurisdiction: 'US-CT' });
  s.session.period!.end = `2026-03-10T10:${String(minutes).padStart(2, '0')}:00-05:00`;
  s.claim.item![0].quantity = { value: 1 };
  return s;
};

describe('ct-min-duration', () => {
  it('passes a 15-minute session', () => {
    expect(issues(lasting(15))).toEqual([]);
  });

  it('rejects a 14-minute session with ct-min-duration', () => {
    expect(issues(lasting(14))).toEqual([{ rule: 'ct-min-duration', severity: 'error', expression: 'Claim.item[0].encounter[0]', item: 0 }]);
    expect(check(rule, lasting(14))[0].diagnostics).toContain('14 active minutes');
  });

  it('passes the scenario\'s 60-minute session', () => {
    expect(issues(buildScenario({ jurisdiction: 'US-CT' }))).toEqual([]);
  });
});
