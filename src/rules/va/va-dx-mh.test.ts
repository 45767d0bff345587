import type { RuleOptions } from '../context';
import { buildScenario, check, type Scenario } from '../testing';
import { vaDxMh as rule } from './va-dx-mh';

/** Findings as id, severity, expression and line. */
const found = (s: Scenario, o?: Partial<RuleOptions>) =>
  check(rule, s, 'US-VA', o).map((f) => ({ id: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const diagnostics = (s: Scenario, o?: Partial<RuleOptions>) => check(rule, s, 'US-VA', o).map((f) => f.diagnostics).join('\n');
import { SYSTEM } from '../../prss/terminology';

const AT_SERVICE = { id: 'va-dx-mh', severity: 'error', expression: 'Claim.item[0].productOrService', item: 0 };
const withCode = (code: string) => {
  const s = buildScenario({ program: 'mh' });
  s.diagnosis.code = { coding: [{ system: SYSTEM.icd10cm, code }] };
  return s;
};

describe('va-dx-mh', () => {
  it('passes the clean MH scenario (F33.1 major depressive disorder)', () => {
    expect(found(buildScenario({ program: 'mh' }))).toEqual([]);
  });
  it('rejects an MH line when the member\'s only diagnosis is a substance use disorder', () => {
    const s = withCode('F11.20');
    expect(found(s)).toEqual([AT_SERVICE]);
    expect(diagnostics(s)).toContain('documented: F11.20');
  });
  it('accepts F20, F69, F90 and F99 and rejects F70 (intellectual disability) and F09', () => {
    for (const code of ['F20.9', 'F69', 'F90.0', 'F99']) expect(found(withCode(code))).toEqual([]);
    for (const code of ['F70', 'F09']) expect(found(withCode(code))).toEqual([AT_SERVICE]);
  });
  it('does not count a diagnosis entered in error', () => {
    const s = buildScenario({ program: 'mh' });
    s.diagnosis.verificationStatus = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'entered-in-error' }] };
    expect(found(s)).toEqual([AT_SERVICE]);
  });
});
