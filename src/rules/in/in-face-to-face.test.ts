import { EXT, SYSTEM } from '../../prss/terminology';
import { buildScenario, check, type Scenario } from '../testing';
import { inFaceToFace as rule } from './in-face-to-face';

const issues = (s: Scenario) => check(rule, s).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const scenario = () => buildScenario({ jurisdiction: 'US-IN' });
const mode = (s: Scenario, code: string) => {
  s.session.extension!.find((e) => e.url === EXT.contactMode)!.valueCode = code;
};

describe('in-face-to-face', () => {
  it('passes an in-person session', () => {
    expect(issues(scenario())).toEqual([]);
  });

  it('rejects a two-way audio and video session with in-face-to-face (reading: Indiana allows no telemedicine)', () => {
    const s = scenario();
    mode(s, 'telehealth-video');
    expect(issues(s)).toEqual([{ rule: 'in-face-to-face', severity: 'error', expression: 'Claim.item[0].encounter[0]', item: 0 }]);
    expect(check(rule, s)[0].diagnostics).toContain('by two-way video');
  });

  it('rejects an in-person session whose line is coded as video (modifier 95)', () => {
    const s = scenario();
    s.claim.item![0].modifier = [{ coding: [{ system: SYSTEM.cpt, code: '95' }] }];
    expect(issues(s)).toEqual([{ rule: 'in-face-to-face', severity: 'error', expression: 'Claim.item[0].encounter[0]', item: 0 }]);
  });

  it('rejects an in-person session whose line carries the telehealth place of service 10', () => {
    const s = scenario();
    s.claim.item![0].locationCodeableConcept = { coding: [{ system: SYSTEM.placeOfService, code: '10' }] };
    expect(issues(s)).toHaveLength(1);
  });

  it('rejects a telephone session with in-face-to-face', () => {
    const s = scenario();
    mode(s, 'telephone');
    expect(issues(s)).toEqual([{ rule: 'in-face-to-face', severity: 'error', expression: 'Claim.item[0].encounter[0]', item: 0 }]);
  });

  it('rejects a line carrying the audio-only modifier FQ', () => {
    const s = scenario();
    s.claim.item![0].modifier = [{ coding: [{ system: SYSTEM.hcpcs, code: 'FQ' }] }];
    expect(issues(s)).toHaveLength(1);
  });

  it('rejects a session that records no contact mode', () => {
    const s = scenario();
    s.session.extension = s.session.extension!.filter((e) => e.url !== EXT.contactMode);
    expect(issues(s)).toHaveLength(1);
    expect(check(rule, s)[0].diagnostics).toContain('no contact mode');
  });
});
