import { buildScenario, check } from '../testing';
import { CS } from '../../prss/terminology';
import { storedClaim, withResources } from '../common/claims-testing';
import { vaAnnualUnitsArts } from './va-annual-units-arts';

/** The scenario with earlier ARTS units of the year stored on one line. */
const withHistory = (units: number, day = '2026-01-20') => {
  const s = buildScenario();
  return withResources(s, storedClaim(s, 'year-so-far', [{ day, units }]));
};

describe('va-annual-units-arts', () => {
  it('passes the clean scenario', () => {
    expect(check(vaAnnualUnitsArts, buildScenario())).toEqual([]);
  });

  it('when 3,596 ARTS units are already billed, a 4-unit line reaches exactly 3,600 and passes', () => {
    expect(check(vaAnnualUnitsArts, withHistory(3596))).toEqual([]);
  });

  it('when the year reaches 3,601 ARTS units, va-annual-units-arts allows only the 3 left', () => {
    const f = check(vaAnnualUnitsArts, withHistory(3597));
    expect(vaAnnualUnitsArts.severity).toBe('error');
    expect(f).toEqual([expect.objectContaining({ expression: 'Claim.item[0].quantity', item: 0, allowedUnits: 3 })]);
    expect(f[0].diagnostics).toContain('3601 units of ARTS in 2026 exceed the 3600-unit annual ARTS limit');
  });

  it('does not count the other program (H0024) or another calendar year', () => {
    const s = buildScenario();
    const other = storedClaim(s, 'other-program', [{ day: '2026-02-02', units: 3600, code: 'H0024' }]);
    const lastYear = storedClaim(s, 'last-year', [{ day: '2025-12-31', units: 3600 }]);
    expect(check(vaAnnualUnitsArts, withResources(s, other, lastYear))).toEqual([]);
  });

  it('counts stored lines of the same year dated after the line (the year cannot be taken past the limit late)', () => {
    expect(check(vaAnnualUnitsArts, withHistory(3597, '2026-11-30'))).toEqual([expect.objectContaining({ allowedUnits: 3 })]);
  });

  it('authorized-units covering the date raise the annual limit', () => {
    const s = buildScenario();
    s.claim.supportingInfo = [{ sequence: 1, category: { coding: [{ system: CS.supportingInfo, code: 'authorized-units' }] }, timingPeriod: { start: '2026-01-01', end: '2026-12-31' }, valueQuantity: { value: 100 } }];
    expect(check(vaAnnualUnitsArts, withResources(s, storedClaim(s, 'year-so-far', [{ day: '2026-01-20', units: 3696 }])))).toEqual([]);
    expect(check(vaAnnualUnitsArts, withResources(s, storedClaim(s, 'year-so-far', [{ day: '2026-01-20', units: 3697 }])))).toEqual([expect.objectContaining({ allowedUnits: 3 })]);
  });
});
