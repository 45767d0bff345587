import { amendedPlan, buildScenario, check } from '../testing';
import { EXT } from '../../prss/terminology';
import { storedClaim, withResources } from '../common/claims-testing';
import { vaWeeklyPlanIntensity } from './va-weekly-plan-intensity';

// The plan allows 3 days and 4 hours (16 units) a week; the billed line is Tuesday 2026-03-10, 4 units.
describe('va-weekly-plan-intensity', () => {
  it('passes the clean scenario (1 hour on 1 day in the week)', () => {
    expect(check(vaWeeklyPlanIntensity, buildScenario())).toEqual([]);
  });

  it('when 12 units are already billed that week, the line reaches exactly 4 hours and passes', () => {
    const s = buildScenario();
    expect(check(vaWeeklyPlanIntensity, withResources(s, storedClaim(s, 'monday', [{ day: '2026-03-09', units: 12 }])))).toEqual([]);
  });

  it('when the week reaches 17 units (4.25 hours), va-weekly-plan-intensity allows the 3 units left of 4 hours', () => {
    const s = buildScenario();
    const f = check(vaWeeklyPlanIntensity, withResources(s, storedClaim(s, 'monday', [{ day: '2026-03-09', units: 13 }])));
    expect(vaWeeklyPlanIntensity.severity).toBe('error');
    expect(f).toEqual([expect.objectContaining({ expression: 'Claim.item[0].quantity', item: 0, allowedUnits: 3 })]);
    expect(f[0].diagnostics).toContain('4.25 hours');
  });

  it('when service was already billed on 3 other days of the week, a 4th day is rejected at servicedDate', () => {
    const s = buildScenario();
    const three = storedClaim(s, 'three-days', [{ day: '2026-03-09', units: 1 }, { day: '2026-03-11', units: 1 }, { day: '2026-03-12', units: 1 }]);
    expect(check(vaWeeklyPlanIntensity, withResources(s, three))).toEqual([expect.objectContaining({ expression: 'Claim.item[0].servicedDate', allowedUnits: 0 })]);
    const two = storedClaim(s, 'two-days', [{ day: '2026-03-09', units: 1 }, { day: '2026-03-11', units: 1 }]);
    expect(check(vaWeeklyPlanIntensity, withResources(s, two))).toEqual([]);
  });

  it('a Sunday belongs to the previous week by default (Monday start) and to the same week when weeks start on Sunday', () => {
    const s = buildScenario();
    const sunday = withResources(s, storedClaim(s, 'sunday', [{ day: '2026-03-08', units: 13 }]));
    expect(check(vaWeeklyPlanIntensity, sunday)).toEqual([]);
    expect(check(vaWeeklyPlanIntensity, sunday, 'US-VA', { weekStartsOn: 0 })).toEqual([expect.objectContaining({ allowedUnits: 3 })]);
  });

  it("an MH-only plan does not limit ARTS lines; a plan with no program covers them", () => {
    const s = buildScenario();
    const scenario = withResources(s, storedClaim(s, 'monday', [{ day: '2026-03-09', units: 13 }]));
    s.plan.extension!.find((e) => e.url === EXT.program)!.valueCode = 'mh';
    expect(check(vaWeeklyPlanIntensity, scenario)).toEqual([]);
    s.plan.extension = s.plan.extension!.filter((e) => e.url !== EXT.program);
    expect(check(vaWeeklyPlanIntensity, scenario)).toHaveLength(1);
  });

  describe('a plan amended by a new CarePlan that replaces it applies from the new plan\'s start', () => {
    // The old plan allows 1 hour (4 units) a week; the new one, from Wednesday 2026-03-11, 4 hours.
    const amended = (serviceDate: string, units: number, replaces = true) => {
      const s = buildScenario({ serviceDate });
      s.plan.activity![0].detail!.extension![0].extension = [{ url: 'daysPerWeek', valueInteger: 3 }, { url: 'hoursPerWeek', valueDecimal: 1 }];
      s.claim.item![0].quantity = { value: units };
      const next = amendedPlan(s, 'rrwp-amended', '2026-03-11', { daysPerWeek: 3, hoursPerWeek: 4 });
      if (!replaces) delete next.replaces;
      return withResources(s, next);
    };
    it('on the new plan\'s start day the old plan no longer limits: 8 units pass under the new plan\'s 4 hours', () => {
      expect(check(vaWeeklyPlanIntensity, amended('2026-03-11', 8))).toEqual([]);
    });
    it('on the day before, the old plan still applies: 8 units are cut to its 4', () => {
      const f = check(vaWeeklyPlanIntensity, amended('2026-03-10', 8));
      expect(f).toEqual([expect.objectContaining({ expression: 'Claim.item[0].quantity', allowedUnits: 4 })]);
      expect(f[0].diagnostics).toContain('RRWP rrwp-1');
    });
    it('a second plan that does not replace the first leaves both in force (the old one still limits)', () => {
      expect(check(vaWeeklyPlanIntensity, amended('2026-03-11', 8, false))).toEqual([expect.objectContaining({ allowedUnits: 4 })]);
    });
    it('a replacing plan entered in error replaces nothing', () => {
      const s = amended('2026-03-11', 8);
      const base = s.resources;
      const f = check(vaWeeklyPlanIntensity, { ...s, resources: () => base().map((r) => (r.id === 'rrwp-amended' ? { ...r, status: 'entered-in-error' } as typeof r : r)) });
      expect(f).toEqual([expect.objectContaining({ allowedUnits: 4 })]);
    });
    it('an update of the plan in place is a correction that applies to all its dates', () => {
      const s = buildScenario({ serviceDate: '2026-01-20' });
      s.claim.item![0].quantity = { value: 8 };
      expect(check(vaWeeklyPlanIntensity, s)).toEqual([]);
      s.plan.activity![0].detail!.extension![0].extension = [{ url: 'daysPerWeek', valueInteger: 3 }, { url: 'hoursPerWeek', valueDecimal: 1 }];
      expect(check(vaWeeklyPlanIntensity, s)).toEqual([expect.objectContaining({ allowedUnits: 4 })]);
    });
  });
});
