import { SYSTEM } from '../../prss/terminology';
import { buildScenario, check, type Scenario } from '../testing';
import { ctSetting as rule } from './ct-setting';

const issues = (s: Scenario) => check(rule, s).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const reported = [{ rule: 'ct-setting', severity: 'warning', expression: 'Claim.item[0].locationCodeableConcept', item: 0 }];
const at = (code: string | undefined) => {
  const s = buildScenario({ jurisdiction: 'US-CT' });
  if (code === undefined) delete s.claim.item![0].locationCodeableConcept;
  else s.claim.item![0].locationCodeableConcept = { coding: [{ system: SYSTEM.placeOfService, code }] };
  return s;
};

describe('ct-setting', () => {
  it("passes the clean Connecticut scenario, billed in the participant's home (12)", () => {
    expect(buildScenario({ jurisdiction: 'US-CT' }).claim.item![0].locationCodeableConcept?.coding?.[0].code).toBe('12');
    expect(issues(buildScenario({ jurisdiction: 'US-CT' }))).toEqual([]);
  });

  it('passes another community setting (99)', () => {
    expect(issues(at('99'))).toEqual([]);
  });

  it.each(['11', '53', '57'])('warns with ct-setting when the place of service is an office or facility (%s)', (code) => {
    const s = at(code);
    expect(issues(s)).toEqual(reported);
    expect(check(rule, s)[0].diagnostics).toContain(`place of service ${code}`);
  });

  it('leaves the telehealth codes 02 and 10 to ct-face-to-face', () => {
    expect(issues(at('02'))).toEqual([]);
    expect(issues(at('10'))).toEqual([]);
  });

  it('warns when the line gives no place of service (the setting cannot be shown)', () => {
    const s = at(undefined);
    expect(issues(s)).toEqual(reported);
    expect(check(rule, s)[0].diagnostics).toContain('no place of service');
  });

  it('judges each line on its own: only the office line is reported', () => {
    const s = at('12');
    s.claim.item!.push({ ...structuredClone(s.claim.item![0]), sequence: 2, locationCodeableConcept: { coding: [{ system: SYSTEM.placeOfService, code: '11' }] } });
    expect(issues(s)).toEqual([{ ...reported[0], expression: 'Claim.item[1].locationCodeableConcept', item: 1 }]);
  });
});
