import { EXT } from '../../prss/terminology';
import { buildScenario, check, type Scenario } from '../testing';
import { inNoncovered as rule } from './in-noncovered';

const issues = (s: Scenario) => check(rule, s).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const activities = (s: Scenario, ...codes: string[]) => {
  s.session.extension = [...s.session.extension!.filter((e) => e.url !== EXT.activity), ...codes.map((valueCode) => ({ url: EXT.activity, valueCode }))];
  return s;
};
const scenario = () => buildScenario({ jurisdiction: 'US-IN' });
const rejected = [{ rule: 'in-noncovered', severity: 'error', expression: 'Claim.item[0].encounter[0]', item: 0 }];

describe('in-noncovered', () => {
  it('passes a recovery-coaching session', () => {
    expect(issues(scenario())).toEqual([]);
  });

  it('rejects a purely recreational session with in-noncovered', () => {
    expect(issues(activities(scenario(), 'recreational'))).toEqual(rejected);
  });

  it('rejects sessions of skills training or case management', () => {
    expect(issues(activities(scenario(), 'skills-training'))).toEqual(rejected);
    expect(issues(activities(scenario(), 'case-management', 'recreational'))).toEqual(rejected);
  });

  it('rejects a session with no therapeutic content (transportation only)', () => {
    expect(issues(activities(scenario(), 'transportation'))).toEqual(rejected);
  });

  it('passes a session that mixes a covered activity with a recreational one', () => {
    expect(issues(activities(scenario(), 'recovery-coaching', 'recreational'))).toEqual([]);
  });

  it.each(['health-monitoring', 'social', 'educational', 'vocational'])('passes a session of %s alone: the code is not billable in Connecticut only', (code) => {
    expect(issues(activities(scenario(), code))).toEqual([]);
  });
});
