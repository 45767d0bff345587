import type { Claim, FhirResource } from 'fhir/r4';
import { amendedPlan, buildScenario, check, type Scenario } from '../testing';
import type { RuleOptions } from '../context';
import { ctPlanLimits as rule } from './ct-plan-limits';

const issues = (s: Scenario, options: Partial<RuleOptions> = {}) =>
  check(rule, s, 'US-CT', options).map((f) => ({ rule: rule.id, severity: rule.severity, expression: f.expression, item: f.item, allowedUnits: f.allowedUnits }));
const quantity = (allowedUnits: number) => ({ rule: 'ct-plan-limits', severity: 'error', expression: 'Claim.item[0].quantity', item: 0, allowedUnits });
/** The plan allows 8 units a day, 4 hours and 3 days a week; the billed session is Tuesday 2026-03-10 (4 units). */
const scenario = () => buildScenario({ jurisdiction: 'US-CT' });
/** Stored claims of the member, one line each: [day, units]. */
const billed = (s: Scenario, ...lines: [string, number][]) => {
  const claims: Claim[] = lines.map(([day, units], i) => ({
    ...s.claim, id: `stored-${i}`, identifier: [{ system: 'http://prss.example.org/fhir/sid/claim-number', value: `stored-${i}` }],
    item: [{ ...s.claim.item![0], servicedDate: day, quantity: { value: units }, encounter: [] }],
  }));
  const base = s.resources.bind(s);
  s.resources = (): FhirResource[] => [...base(), ...claims];
  return s;
};

describe('ct-plan-limits', () => {
  it('passes a line within the plan\'s daily, weekly and period limits', () => {
    expect(issues(scenario())).toEqual([]);
  });

  it('passes 8 units on the day and rejects 9 with ct-plan-limits, allowing 3 of the 4 billed', () => {
    expect(issues(billed(scenario(), ['2026-03-10', 4]))).toEqual([]);
    expect(issues(billed(scenario(), ['2026-03-10', 5]))).toEqual([quantity(3)]);
    expect(check(rule, billed(scenario(), ['2026-03-10', 5]), 'US-CT')[0].diagnostics).toContain('8 units per day');
  });

  it('passes 4 hours in the week and rejects 4.25, allowing what remains', () => {
    expect(issues(billed(scenario(), ['2026-03-09', 8], ['2026-03-11', 4]))).toEqual([]);
    expect(issues(billed(scenario(), ['2026-03-09', 8], ['2026-03-11', 5]))).toEqual([quantity(3)]);
  });

  it('rejects a fourth day of service in the week when the plan allows three', () => {
    expect(issues(billed(scenario(), ['2026-03-09', 1], ['2026-03-11', 1]))).toEqual([]);
    expect(issues(billed(scenario(), ['2026-03-09', 1], ['2026-03-11', 1], ['2026-03-12', 1]))).toEqual([quantity(0)]);
  });

  it('starts the week on Monday by default and on the configured day otherwise', () => {
    const s = billed(scenario(), ['2026-03-08', 1], ['2026-03-09', 1], ['2026-03-11', 1]);
    expect(issues(s)).toEqual([]);
    expect(issues(s, { weekStartsOn: 0 })).toEqual([quantity(0)]);
  });

  it('counts the claim\'s own earlier lines against its later lines', () => {
    const s = scenario();
    s.claim.item!.push({ ...s.claim.item![0], sequence: 2, servicedDate: '2026-03-10', quantity: { value: 5 }, encounter: [] });
    expect(issues(s)).toEqual([{ rule: 'ct-plan-limits', severity: 'error', expression: 'Claim.item[1].quantity', item: 1, allowedUnits: 4 }]);
  });

  it('passes a date on the last day of the plan period and rejects the day after it ended', () => {
    const s = scenario();
    s.plan.period = { start: '2026-01-12', end: '2026-03-10' };
    expect(issues(s)).toEqual([]);
    s.plan.period = { start: '2026-01-12', end: '2026-03-09' };
    expect(issues(s)).toEqual([{ rule: 'ct-plan-limits', severity: 'error', expression: 'Claim.item[0].servicedDate', item: 0, allowedUnits: 0 }]);
  });

  it('rejects the line when the member has no waiver Recovery Plan', () => {
    const s = scenario();
    s.plan.status = 'draft';
    expect(issues(s)).toEqual([{ rule: 'ct-plan-limits', severity: 'error', expression: 'Claim.item[0].servicedDate', item: 0, allowedUnits: 0 }]);
    expect(check(rule, s, 'US-CT')[0].diagnostics).toContain('no plan covers the date');
  });

  describe('a plan amended by a new CarePlan that replaces it applies from the new plan\'s start', () => {
    // The old plan allows 8 units a day; the new one, from 2026-03-10, 2 units a day. The session names the old plan.
    const amended = (serviceDate: string) => {
      const s = buildScenario({ jurisdiction: 'US-CT', serviceDate });
      const next = amendedPlan(s, 'rrwp-amended', '2026-03-10', { daysPerWeek: 3, hoursPerWeek: 4, unitsPerDay: 2 });
      const base = s.resources.bind(s);
      s.resources = (): FhirResource[] => [...base(), next];
      return s;
    };
    it('from the new plan\'s start day the line is judged under it, though its session names the old plan', () => {
      const s = amended('2026-03-10');
      expect(issues(s)).toEqual([quantity(2)]);
      expect(check(rule, s, 'US-CT')[0].diagnostics).toContain('2 units per day');
    });
    it('on the day before the new plan starts the old plan applies', () => {
      expect(issues(amended('2026-03-09'))).toEqual([]);
    });
  });
});
