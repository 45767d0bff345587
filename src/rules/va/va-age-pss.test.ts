import type { RuleOptions } from '../context';
import { buildScenario, check, type Scenario } from '../testing';
import { vaAgePss as rule } from './va-age-pss';

/** Findings as id, severity, expression and line. */
const found = (s: Scenario, o?: Partial<RuleOptions>) =>
  check(rule, s, 'US-VA', o).map((f) => ({ id: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const diagnostics = (s: Scenario, o?: Partial<RuleOptions>) => check(rule, s, 'US-VA', o).map((f) => f.diagnostics).join('\n');
import { CS } from '../../prss/terminology';

const AT_DATE = { id: 'va-age-pss', severity: 'error', expression: 'Claim.item[0].servicedDate', item: 0 };

describe('va-age-pss', () => {
  it('passes the clean scenario (an adult member)', () => {
    expect(found(buildScenario())).toEqual([]);
  });
  it('when the member is 17 on the date of service, PSS is rejected', () => {
    const s = buildScenario({ birthDate: '2008-03-11' });
    expect(found(s)).toEqual([AT_DATE]);
    expect(diagnostics(s)).toContain('Member is 17 on 2026-03-10');
  });
  it('on the member\'s 18th birthday, PSS is allowed (18-20 may choose PSS)', () => {
    expect(found(buildScenario({ birthDate: '2008-03-10' }))).toEqual([]);
  });
  it('does not judge a Family Support Partners line', () => {
    const s = buildScenario({ birthDate: '2015-01-01' });
    s.session.serviceType = { coding: [{ system: CS.service, code: 'fsp' }] };
    expect(found(s)).toEqual([]);
  });
  it('rejects PSS when the member\'s birth date is not recorded', () => {
    const s = buildScenario();
    delete s.member.birthDate;
    expect(found(s)).toEqual([AT_DATE]);
  });
});
