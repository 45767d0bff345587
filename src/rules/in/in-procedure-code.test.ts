import { SYSTEM } from '../../prss/terminology';
import { buildScenario, check, type Scenario } from '../testing';
import { inProcedureCode as rule } from './in-procedure-code';

const issues = (s: Scenario) => check(rule, s).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const scenario = () => buildScenario({ jurisdiction: 'US-IN' });

describe('in-procedure-code', () => {
  it('passes an H0038 line', () => {
    expect(issues(scenario())).toEqual([]);
  });

  it('accepts H0038 under the older https HCPCS system URI', () => {
    const s = scenario();
    s.claim.item![0].productOrService = { coding: [{ system: SYSTEM.hcpcsLegacy, code: 'H0038' }] };
    expect(issues(s)).toEqual([]);
  });

  it('rejects a Virginia code with in-procedure-code', () => {
    const s = scenario();
    s.claim.item![0].productOrService = { coding: [{ system: SYSTEM.hcpcs, code: 'T1012' }] };
    expect(issues(s)).toEqual([{ rule: 'in-procedure-code', severity: 'error', expression: 'Claim.item[0].productOrService', item: 0 }]);
    expect(check(rule, s)[0].diagnostics).toContain('T1012');
  });

  it('rejects H0038 given under a non-HCPCS system', () => {
    const s = scenario();
    s.claim.item![0].productOrService = { coding: [{ system: 'http://example.org/local', code: 'H0038' }] };
    expect(issues(s)).toHaveLength(1);
  });
});
