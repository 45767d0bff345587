import { buildScenario, check } from '../testing';
import { EXT } from '../../prss/terminology';
import { storedClaim, withResources } from '../common/claims-testing';
import { vaUnitTime } from './va-unit-time';

describe('va-unit-time', () => {
  it('passes the clean scenario: 4 units for a 60-minute session', () => {
    expect(check(vaUnitTime, buildScenario())).toEqual([]);
  });

  it('when a 60-minute session is billed as 5 units, va-unit-time allows the 4 it holds', () => {
    const s = buildScenario();
    s.claim.item![0].quantity = { value: 5 };
    const f = check(vaUnitTime, s);
    expect(vaUnitTime.severity).toBe('error');
    expect(f).toEqual([expect.objectContaining({ expression: 'Claim.item[0].quantity', item: 0, allowedUnits: 4 })]);
    expect(f[0].diagnostics).toMatch(/5 units.*60 active minutes = 4 billable/);
  });

  it('when a 15-minute interruption is recorded, the 60-minute session holds only 3 units', () => {
    const s = buildScenario();
    s.session.extension!.push({ url: EXT.interruption, valuePeriod: { start: '2026-03-10T10:20:00-05:00', end: '2026-03-10T10:35:00-05:00' } });
    expect(check(vaUnitTime, s)).toEqual([expect.objectContaining({ allowedUnits: 3 })]);
    s.claim.item![0].quantity = { value: 3 };
    expect(check(vaUnitTime, s)).toEqual([]);
  });

  it('when a stored claim already billed 3 units of the same session, only 1 unit is left', () => {
    const s = buildScenario();
    const other = storedClaim(s, 'claim-earlier', [{ day: '2026-03-10', units: 3, session: s.session }]);
    expect(check(vaUnitTime, withResources(s, other))).toEqual([expect.objectContaining({ item: 0, allowedUnits: 1 })]);
  });
});
