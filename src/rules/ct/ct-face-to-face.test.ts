import { EXT, SYSTEM } from '../../prss/terminology';
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

  it('rejects a two-way audio and video session with ct-face-to-face (reading: the waiver allows no telemedicine)', () => {
    const s = withMode('telehealth-video');
    expect(issues(s)).toEqual([{ rule: 'ct-face-to-face', severity: 'error', expression: 'Claim.item[0].encounter[0]', item: 0 }]);
    expect(check(rule, s)[0].diagnostics).toContain('by two-way video');
  });

  it('rejects an in-person session whose line is coded as video (modifier GT, place of service 02)', () => {
    const s = withMode('in-person');
    s.claim.item![0].modifier = [{ coding: [{ system: SYSTEM.hcpcs, code: 'GT' }] }];
    s.claim.item![0].locationCodeableConcept = { coding: [{ system: SYSTEM.placeOfService, code: '02' }] };
    expect(issues(s)).toHaveLength(1);
  });

  it('rejects a session that records no contact mode', () => {
    const s = withMode('in-person');
    s.session.extension = s.session.extension!.filter((e) => e.url !== EXT.contactMode);
    expect(issues(s)).toHaveLength(1);
  });

  it('rejects telephone contact with the participant with ct-face-to-face', () => {
    expect(issues(withMode('telephone'))).toEqual([{ rule: 'ct-face-to-face', severity: 'error', expression: 'Claim.item[0].encounter[0]', item: 0 }]);
  });
});
