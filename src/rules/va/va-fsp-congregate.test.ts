import type { RuleOptions } from '../context';
import { buildScenario, check, type Scenario } from '../testing';
import { vaFspCongregate as rule } from './va-fsp-congregate';

/** Findings as id, severity, expression and line. */
const found = (s: Scenario, o?: Partial<RuleOptions>) =>
  check(rule, s, 'US-VA', o).map((f) => ({ id: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const diagnostics = (s: Scenario, o?: Partial<RuleOptions>) => check(rule, s, 'US-VA', o).map((f) => f.diagnostics).join('\n');
import { CS, EXT } from '../../prss/terminology';

function fsp(residence: 'home' | 'congregate', reunification?: boolean) {
  const s = buildScenario({ birthDate: '2012-04-01' });
  s.session.serviceType = { coding: [{ system: CS.service, code: 'fsp' }] };
  s.session.extension!.push({ url: EXT.youthResidence, valueCode: residence });
  if (reunification !== undefined) s.session.extension!.push({ url: EXT.reunificationTransition, valueBoolean: reunification });
  return s;
}

describe('va-fsp-congregate', () => {
  it('passes the clean scenario and FSP for a youth living at home', () => {
    expect(found(buildScenario())).toEqual([]);
    expect(found(fsp('home'))).toEqual([]);
  });
  it('rejects FSP for a youth in a congregate setting', () => {
    const s = fsp('congregate');
    expect(found(s)).toEqual([{ id: 'va-fsp-congregate', severity: 'error', expression: 'Claim.item[0].encounter[0]', item: 0 }]);
    expect(diagnostics(s)).toContain('resides in a congregate setting and the session does not document support for a reunification transition');
    expect(found(fsp('congregate', false))).toHaveLength(1);
  });
  it('allows FSP in a congregate setting when the session supports a documented reunification transition', () => {
    expect(found(fsp('congregate', true))).toEqual([]);
  });
  it('does not judge a PSS session in a congregate setting', () => {
    const s = buildScenario();
    s.session.extension!.push({ url: EXT.youthResidence, valueCode: 'congregate' });
    expect(found(s)).toEqual([]);
  });
});
