import type { RuleOptions } from '../context';
import { buildScenario, check, type Scenario } from '../testing';
import { vaRrwpGoals as rule } from './va-rrwp-goals';

/** Findings as id, severity, expression and line. */
const found = (s: Scenario, o?: Partial<RuleOptions>) =>
  check(rule, s, 'US-VA', o).map((f) => ({ id: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const diagnostics = (s: Scenario, o?: Partial<RuleOptions>) => check(rule, s, 'US-VA', o).map((f) => f.diagnostics).join('\n');
const AT_LINE = { id: 'va-rrwp-goals', severity: 'warning', expression: 'Claim.item[0]', item: 0 };

describe('va-rrwp-goals', () => {
  it('passes the clean scenario (a SMART goal)', () => {
    expect(found(buildScenario())).toEqual([]);
  });
  it('warns about a goal with no due date', () => {
    const s = buildScenario();
    delete s.goal.target![0].dueDate;
    expect(found(s)).toEqual([AT_LINE]);
    expect(diagnostics(s)).toContain('goal Goal/goal-1 is not SMART: it lacks a due date');
  });
  it('warns about a goal with no measurable target', () => {
    const s = buildScenario();
    s.goal.target = [{ dueDate: '2026-06-30' }];
    expect(found(s)).toEqual([AT_LINE]);
    expect(diagnostics(s)).toContain('it lacks a measurable target');
  });
  it('warns about a goal with no description', () => {
    const s = buildScenario();
    s.goal.description = { text: ' ' };
    expect(found(s)).toEqual([AT_LINE]);
  });
  it('does not require a wellness dimension', () => {
    const s = buildScenario();
    delete s.goal.category;
    expect(found(s)).toEqual([]);
  });
  it('ignores a cancelled goal and warns about a plan without goals', () => {
    const s = buildScenario();
    s.goal.lifecycleStatus = 'cancelled';
    delete s.goal.target;
    expect(found(s)).toEqual([]);
    s.plan.goal = [];
    expect(found(s)).toEqual([AT_LINE]);
  });
});
