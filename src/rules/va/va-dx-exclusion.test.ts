import type { RuleOptions } from '../context';
import { buildScenario, check, type Scenario } from '../testing';
import { vaDxExclusion as rule } from './va-dx-exclusion';

/** Findings as id, severity, expression and line. */
const found = (s: Scenario, o?: Partial<RuleOptions>) =>
  check(rule, s, 'US-VA', o).map((f) => ({ id: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const diagnostics = (s: Scenario, o?: Partial<RuleOptions>) => check(rule, s, 'US-VA', o).map((f) => f.diagnostics).join('\n');
import type { Condition } from 'fhir/r4';
import { EXT, SYSTEM } from '../../prss/terminology';

const AT_SERVICE = { id: 'va-dx-exclusion', severity: 'error', expression: 'Claim.item[0].productOrService', item: 0 };

/** The scenario plus a second diagnosis. */
function plus(code: string, s = buildScenario()) {
  const extra: Condition = { ...s.diagnosis, id: 'dx-extra', code: { coding: [{ system: SYSTEM.icd10cm, code }] } };
  return { ...s, resources: () => [...s.resources(), extra] };
}

describe('va-dx-exclusion', () => {
  it('passes the clean scenario (no excluding diagnosis)', () => {
    expect(found(buildScenario())).toEqual([]);
  });
  it('allows a member with TBI when an SUD diagnosis overlays it and the assessment records the member able to participate', () => {
    expect(found(plus('S06.2X1S'))).toEqual([]);
  });
  it('rejects a member with dementia when the assessment does not record that the member is able to participate', () => {
    const s = buildScenario();
    s.assessment.extension = s.assessment.extension!.filter((e) => e.url !== EXT.ableToParticipate);
    const withDementia = plus('F03.90', s);
    expect(found(withDementia)).toEqual([AT_SERVICE]);
    expect(diagnostics(withDementia)).toContain('able-to-participate');
  });
  it('rejects a member with only an intellectual disability, Alzheimer\'s or an organic disorder, with no overlaying SUD/MH diagnosis', () => {
    for (const code of ['F70', 'G30.9', 'F07.81']) {
      const s = buildScenario();
      s.diagnosis.code = { coding: [{ system: SYSTEM.icd10cm, code }] };
      expect(found(s)).toEqual([AT_SERVICE]);
      expect(diagnostics(s)).toContain('no substance use or mental health diagnosis overlays it');
    }
  });
  it('rejects when able-to-participate is false', () => {
    const s = buildScenario();
    s.assessment.extension = s.assessment.extension!.map((e) => (e.url === EXT.ableToParticipate ? { ...e, valueBoolean: false } : e));
    expect(found(plus('F84.0', s))).toEqual([AT_SERVICE]);
  });
});
