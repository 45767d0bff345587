import type { RuleOptions } from '../context';
import { buildScenario, check, type Scenario } from '../testing';
import { vaAgeFsp as rule } from './va-age-fsp';

/** Findings as id, severity, expression and line. */
const found = (s: Scenario, o?: Partial<RuleOptions>) =>
  check(rule, s, 'US-VA', o).map((f) => ({ id: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const diagnostics = (s: Scenario, o?: Partial<RuleOptions>) => check(rule, s, 'US-VA', o).map((f) => f.diagnostics).join('\n');
import { CS } from '../../prss/terminology';

const fsp = (birthDate: string) => {
  const s = buildScenario({ birthDate });
  s.session.serviceType = { coding: [{ system: CS.service, code: 'fsp' }] };
  return s;
};

describe('va-age-fsp', () => {
  it('passes the clean scenario (a PSS line is not judged)', () => {
    expect(found(buildScenario())).toEqual([]);
  });
  it('when the youth is 20 on the date of service, FSP is allowed', () => {
    expect(found(fsp('2005-03-11'))).toEqual([]);
  });
  it('when the member turns 21 on the date of service, FSP is rejected', () => {
    const s = fsp('2005-03-10');
    expect(found(s)).toEqual([{ id: 'va-age-fsp', severity: 'error', expression: 'Claim.item[0].servicedDate', item: 0 }]);
    expect(diagnostics(s)).toContain('Member is 21 on 2026-03-10');
  });
});
