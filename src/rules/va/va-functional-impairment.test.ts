import type { RuleOptions } from '../context';
import { buildScenario, check, type Scenario } from '../testing';
import { vaFunctionalImpairment as rule } from './va-functional-impairment';

/** Findings as id, severity, expression and line. */
const found = (s: Scenario, o?: Partial<RuleOptions>) =>
  check(rule, s, 'US-VA', o).map((f) => ({ id: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const diagnostics = (s: Scenario, o?: Partial<RuleOptions>) => check(rule, s, 'US-VA', o).map((f) => f.diagnostics).join('\n');
import { CS, EXT } from '../../prss/terminology';

const AT_SERVICE = { id: 'va-functional-impairment', severity: 'error', expression: 'Claim.item[0].productOrService', item: 0 };

function fsp(needs: string[]) {
  const s = buildScenario({ birthDate: '2012-04-01' });
  s.session.serviceType = { coding: [{ system: CS.service, code: 'fsp' }] };
  s.assessment.code = { coding: [{ system: CS.service, code: 'fsp' }] };
  s.assessment.extension = [...needs.map((valueCode) => ({ url: EXT.fspNeed, valueCode })), { url: EXT.ableToParticipate, valueBoolean: true }];
  return s;
}

describe('va-functional-impairment', () => {
  it('passes the clean scenario (social and vocational impairment)', () => {
    expect(found(buildScenario())).toEqual([]);
  });
  it('allows PSS with one impaired domain', () => {
    const s = buildScenario();
    s.assessment.extension = s.assessment.extension!.filter((e) => !(e.url === EXT.functionalImpairment && e.valueCode === 'social'));
    expect(found(s)).toEqual([]);
  });
  it('rejects PSS when the assessment records no impaired functional domain', () => {
    const s = buildScenario();
    s.assessment.extension = s.assessment.extension!.filter((e) => e.url !== EXT.functionalImpairment);
    expect(found(s)).toEqual([AT_SERVICE]);
  });
  it('does not count a code outside the functional-domain list', () => {
    const s = buildScenario();
    s.assessment.extension = [{ url: EXT.functionalImpairment, valueCode: 'financial' }];
    expect(found(s)).toEqual([AT_SERVICE]);
  });
  it('allows FSP with two needs and rejects it with one, or with one need recorded twice', () => {
    expect(found(fsp(['wellness-skills', 'self-advocacy']))).toEqual([]);
    const one = fsp(['wellness-skills']);
    expect(found(one)).toEqual([AT_SERVICE]);
    expect(diagnostics(one)).toContain('records 1 FSP need(s)');
    expect(found(fsp(['self-advocacy', 'self-advocacy']))).toEqual([AT_SERVICE]);
  });
});
