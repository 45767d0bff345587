import { buildScenario, check } from '../testing';
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
});
