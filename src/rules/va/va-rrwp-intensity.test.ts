import type { RuleOptions } from '../context';
import { buildScenario, check, type Scenario } from '../testing';
import { vaRrwpIntensity as rule } from './va-rrwp-intensity';

/** Findings as id, severity, expression and line. */
const found = (s: Scenario, o?: Partial<RuleOptions>) =>
  check(rule, s, 'US-VA', o).map((f) => ({ id: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const diagnostics = (s: Scenario, o?: Partial<RuleOptions>) => check(rule, s, 'US-VA', o).map((f) => f.diagnostics).join('\n');
import { EXT } from '../../prss/terminology';

const AT_LINE = { id: 'va-rrwp-intensity', severity: 'error', expression: 'Claim.item[0]', item: 0 };
const intensity = (s: Scenario) => s.plan.activity![0].detail!.extension!.find((e) => e.url === EXT.plannedIntensity)!;

describe('va-rrwp-intensity', () => {
  it('passes the clean scenario (3 days and 4 hours a week)', () => {
    expect(found(buildScenario())).toEqual([]);
  });
  it('rejects a plan that states days per week but not hours per week', () => {
    const s = buildScenario();
    intensity(s).extension = intensity(s).extension!.filter((p) => p.url !== 'hoursPerWeek');
    expect(found(s)).toEqual([AT_LINE]);
    expect(diagnostics(s)).toContain('daysPerWeek 3, hoursPerWeek missing');
  });
  it('rejects a plan with no planned intensity, or with zero days a week', () => {
    const none = buildScenario();
    none.plan.activity![0].detail!.extension = [];
    expect(found(none)).toEqual([AT_LINE]);
    const zero = buildScenario();
    intensity(zero).extension!.find((p) => p.url === 'daysPerWeek')!.valueInteger = 0;
    expect(found(zero)).toEqual([AT_LINE]);
  });
  it('rejects a plan with no activity at all', () => {
    const s = buildScenario();
    delete s.plan.activity;
    expect(found(s)).toEqual([AT_LINE]);
    expect(diagnostics(s)).toContain('no planned activity');
  });
});
