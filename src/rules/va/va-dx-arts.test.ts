import type { RuleOptions } from '../context';
import { buildScenario, check, type Scenario } from '../testing';
import { vaDxArts as rule } from './va-dx-arts';

/** Findings as id, severity, expression and line. */
const found = (s: Scenario, o?: Partial<RuleOptions>) =>
  check(rule, s, 'US-VA', o).map((f) => ({ id: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const diagnostics = (s: Scenario, o?: Partial<RuleOptions>) => check(rule, s, 'US-VA', o).map((f) => f.diagnostics).join('\n');
import { SYSTEM } from '../../prss/terminology';

const AT_SERVICE = { id: 'va-dx-arts', severity: 'error', expression: 'Claim.item[0].productOrService', item: 0 };

describe('va-dx-arts', () => {
  it('passes the clean ARTS scenario (F11.20 opioid dependence)', () => {
    expect(found(buildScenario())).toEqual([]);
  });
  it('rejects an ARTS line when the member\'s only diagnosis is a mental health one', () => {
    const s = buildScenario();
    s.diagnosis.code = { coding: [{ system: SYSTEM.icd10cm, code: 'F33.1' }] };
    expect(found(s)).toEqual([AT_SERVICE]);
    expect(diagnostics(s)).toContain('documented: F33.1');
  });
  it('accepts F10 and F19, the ends of the substance use range, and rejects F20', () => {
    for (const [code, n] of [['F10.20', 0], ['F19.20', 0], ['F20.9', 1]] as const) {
      const s = buildScenario();
      s.diagnosis.code = { coding: [{ system: SYSTEM.icd10cm, code }] };
      expect(found(s)).toHaveLength(n);
    }
  });
  it('does not count a refuted diagnosis, one recorded after the date of service, or a resolved one', () => {
    const refuted = buildScenario();
    refuted.diagnosis.verificationStatus = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'refuted' }] };
    expect(found(refuted)).toEqual([AT_SERVICE]);
    const later = buildScenario();
    later.diagnosis.recordedDate = '2026-03-11';
    expect(found(later)).toEqual([AT_SERVICE]);
    const resolved = buildScenario();
    resolved.diagnosis.clinicalStatus = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'resolved' }] };
    expect(found(resolved)).toEqual([AT_SERVICE]);
  });
  it('does not judge an MH line', () => {
    expect(found(buildScenario({ program: 'mh' }))).toEqual([]);
  });
});
