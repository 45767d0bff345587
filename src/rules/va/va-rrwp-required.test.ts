import type { RuleOptions } from '../context';
import { buildScenario, check, type Scenario } from '../testing';
import { vaRrwpRequired as rule } from './va-rrwp-required';

/** Findings as id, severity, expression and line. */
const found = (s: Scenario, o?: Partial<RuleOptions>) =>
  check(rule, s, 'US-VA', o).map((f) => ({ id: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const diagnostics = (s: Scenario, o?: Partial<RuleOptions>) => check(rule, s, 'US-VA', o).map((f) => f.diagnostics).join('\n');
import { EXT } from '../../prss/terminology';

const AT_DATE = { id: 'va-rrwp-required', severity: 'error', expression: 'Claim.item[0].servicedDate', item: 0 };
/** Service initiation is 2026-01-12; the plan only starts on 2026-03-01. */
const latePlan = (serviceDate: string) => {
  const s = buildScenario({ serviceDate });
  s.plan.period = { start: '2026-03-01' };
  return s;
};

describe('va-rrwp-required', () => {
  it('passes the clean scenario (plan in force from 2026-01-12)', () => {
    expect(found(buildScenario())).toEqual([]);
  });
  it('allows a service on day 30 after service initiation without a plan', () => {
    expect(found(latePlan('2026-02-11'))).toEqual([]);
  });
  it('rejects a service on day 31 after service initiation without a plan in force', () => {
    const s = latePlan('2026-02-12');
    expect(found(s)).toEqual([AT_DATE]);
    expect(diagnostics(s)).toContain('day 31 after service initiation on 2026-01-12');
  });
  it('rejects a service after the plan\'s period ended without a discharge', () => {
    const s = buildScenario();
    s.plan.period = { start: '2026-01-12', end: '2026-03-09' };
    expect(found(s)).toEqual([AT_DATE]);
  });
  it('leaves a service after a discharge to va-after-discharge (no episode to count from)', () => {
    const s = buildScenario();
    s.plan.status = 'completed';
    s.plan.period = { start: '2026-01-12', end: '2026-03-09' };
    expect(found(s)).toEqual([]);
  });
  it('finds the member\'s plan in force when the session names none', () => {
    const s = buildScenario();
    s.session.extension = s.session.extension!.filter((e) => e.url !== EXT.rrwp);
    expect(found(s)).toEqual([]);
    s.plan.status = 'entered-in-error';
    expect(found(s)).toEqual([AT_DATE]);
  });
  it('does not let an MH-only plan cover ARTS services, but a plan without a program covers all', () => {
    const s = buildScenario();
    s.plan.extension = s.plan.extension!.map((e) => (e.url === EXT.program ? { ...e, valueCode: 'mh' } : e));
    expect(found(s)).toEqual([AT_DATE]);
    s.plan.extension = s.plan.extension!.filter((e) => e.url !== EXT.program);
    expect(found(s)).toEqual([]);
  });
});
