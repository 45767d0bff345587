import { CS, EXT } from '../../prss/terminology';
import { buildScenario, check, type Scenario } from '../testing';
import { ctNonbillable as rule } from './ct-nonbillable';

const issues = (s: Scenario) => check(rule, s).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const rejected = [{ rule: 'ct-nonbillable', severity: 'error', expression: 'Claim.item[0].encounter[0]', item: 0 }];
const scenario = () => buildScenario({ jurisdiction: 'US-CT' });
const activities = (s: Scenario, ...codes: string[]) => {
  s.session.extension = [...s.session.extension!.filter((e) => e.url !== EXT.activity), ...codes.map((valueCode) => ({ url: EXT.activity, valueCode }))];
  return s;
};
const kind = (s: Scenario, code: string) => {
  s.session.type = [{ coding: [{ system: CS.encounterKind, code }] }];
  return s;
};

describe('ct-nonbillable', () => {
  it('passes a face-to-face recovery-coaching session with the participant present', () => {
    expect(issues(scenario())).toEqual([]);
  });

  it('rejects time spent solely transporting with ct-nonbillable', () => {
    expect(issues(activities(scenario(), 'transportation'))).toEqual(rejected);
  });

  it('rejects sessions whose only activities are documentation, or social and recreational', () => {
    expect(issues(activities(scenario(), 'documentation'))).toEqual(rejected);
    expect(issues(activities(scenario(), 'recreational', 'room-and-board'))).toEqual(rejected);
  });

  it('passes a session that mixes coaching with transportation', () => {
    expect(issues(activities(scenario(), 'recovery-coaching', 'transportation'))).toEqual([]);
  });

  it('rejects a supervision meeting and a coordination meeting billed as service', () => {
    expect(issues(kind(scenario(), 'supervision'))).toEqual(rejected);
    expect(check(rule, kind(scenario(), 'supervision'))[0].diagnostics).toContain('supervision');
    expect(issues(kind(scenario(), 'collaboration'))).toEqual(rejected);
  });

  it('rejects no-shows: a cancelled session, a contact attempt, a visit with the participant absent', () => {
    const cancelled = scenario();
    cancelled.session.status = 'cancelled';
    expect(issues(cancelled)).toEqual(rejected);
    expect(issues(kind(scenario(), 'contact-attempt'))).toEqual(rejected);
    const absent = scenario();
    absent.session.extension!.find((e) => e.url === EXT.memberPresent)!.valueBoolean = false;
    expect(issues(absent)).toEqual(rejected);
  });

  it('rejects telephone contact with the participant', () => {
    const s = scenario();
    s.session.extension!.find((e) => e.url === EXT.contactMode)!.valueCode = 'telephone';
    expect(issues(s)).toEqual(rejected);
  });

  it.each(['health-monitoring', 'social', 'educational', 'vocational'])('rejects a session whose only activity is %s (not billable in Connecticut)', (code) => {
    const s = activities(scenario(), code);
    expect(issues(s)).toEqual(rejected);
    expect(check(rule, s)[0].diagnostics).toContain(code === 'health-monitoring' ? 'day-to-day monitoring' : `solely for ${code} purposes`);
  });

  it('passes a session that mixes coaching with educational and social activities', () => {
    expect(issues(activities(scenario(), 'recovery-coaching', 'educational', 'social'))).toEqual([]);
  });
});
