import { EXT } from '../../prss/terminology';
import { buildScenario, check, type Scenario } from '../testing';
import { ctFaceToFace as rule } from './ct-face-to-face';

const issues = (s: Scenario) => check(rule, s).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const withMode = (code: string) => {
  const s = buildScenario({ jurisdiction: 'US-CT' });
  s.session.extension!.find((e) => e.url === EXT.contactMode)!.valueCode = code;
  return s;
};

describe('ct-face-to-face', () => {
  it('passes an in-person session', () => {
    expect(issues(withMode('in-person'))).toEqual([]);
  });

  it('passes a two-way audio and video session', () => {
    expect(issues(withMode('telehealth-video'))).toEqual([]);
  });

  it('rejects telephone contact with the participant with ct-face-to-face', () => {
    expect(issues(withMode('telephone'))).toEqual([{ rule: 'ct-face-to-face', severity: 'error', expression: 'Claim.item[0].encounter[0]', item: 0 }]);
  });
});
