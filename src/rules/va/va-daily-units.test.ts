import type { Claim, ClaimResponse } from 'fhir/r4';
import { buildScenario, check, contextOf } from '../testing';
import { CS, SYSTEM } from '../../prss/terminology';
import { storedClaim, withResources } from '../common/claims-testing';
import { vaDailyUnits } from './va-daily-units';

const DAY = '2026-03-10';
const authorize = (claim: Claim, units: number, start: string, end: string) => {
  claim.supportingInfo = [{ sequence: 1, category: { coding: [{ system: CS.supportingInfo, code: 'authorized-units' }] }, timingPeriod: { start, end }, valueQuantity: { value: units } }];
};

describe('va-daily-units', () => {
  it('passes the clean scenario (4 units on the day)', () => {
    expect(check(vaDailyUnits, buildScenario())).toEqual([]);
  });

  it('when 12 units are already billed that day, a 4-unit line reaches exactly 16 and passes', () => {
    const s = buildScenario();
    expect(check(vaDailyUnits, withResources(s, storedClaim(s, 'earlier', [{ day: DAY, units: 12 }])))).toEqual([]);
  });

  it("when the member's day reaches 17 units, va-daily-units allows only the 4 left", () => {
    const s = buildScenario();
    s.claim.item![0].quantity = { value: 5 };
    const f = check(vaDailyUnits, withResources(s, storedClaim(s, 'earlier', [{ day: DAY, units: 12 }])));
    expect(vaDailyUnits.severity).toBe('error');
    expect(f).toEqual([expect.objectContaining({ expression: 'Claim.item[0].quantity', item: 0, allowedUnits: 4 })]);
    expect(f[0].diagnostics).toContain('17 units on 2026-03-10 exceed the 16-unit daily limit');
    expect(f[0].diagnostics).toContain('12 already billed');
  });

  it('counts a stored line with the units it billed, even when its stored ClaimResponse allowed fewer (reading)', () => {
    const s = buildScenario();
    s.claim.item![0].quantity = { value: 5 };
    const earlier = storedClaim(s, 'earlier', [{ day: DAY, units: 12 }]);
    const eligible = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/adjudication', code: 'eligible' }] };
    const response: ClaimResponse = {
      resourceType: 'ClaimResponse', id: 'earlier-response', status: 'active', type: earlier.type, use: 'claim', patient: earlier.patient,
      created: DAY, insurer: { display: 'payer' }, request: { reference: `Claim/${earlier.id}` }, outcome: 'partial',
      item: [{ itemSequence: 1, adjudication: [{ category: eligible, value: 8 }] }],
    };
    const f = check(vaDailyUnits, withResources(s, earlier, response));
    expect(f).toEqual([expect.objectContaining({ item: 0, allowedUnits: 4 })]);
    expect(f[0].diagnostics).toContain('12 already billed');
  });

  it('counts ARTS and MH units together: 12 MH units stored and 5 ARTS units is 17', () => {
    const s = buildScenario();
    s.claim.item![0].quantity = { value: 5 };
    const f = check(vaDailyUnits, withResources(s, storedClaim(s, 'mh', [{ day: DAY, units: 12, code: 'H0024' }])));
    expect(f).toEqual([expect.objectContaining({ allowedUnits: 4 })]);
  });

  it("counts the claim's own earlier lines in order: 10 then 8 units leaves the second line 6", () => {
    const s = buildScenario();
    const first = s.claim.item![0];
    first.quantity = { value: 10 };
    s.claim.item!.push({ ...first, sequence: 2, quantity: { value: 8 } });
    expect(check(vaDailyUnits, s)).toEqual([expect.objectContaining({ expression: 'Claim.item[1].quantity', item: 1, allowedUnits: 6 })]);
  });

  it('ignores units billed on other days, by cancelled claims and asked for by preauthorizations', () => {
    const s = buildScenario();
    const cancelled = { ...storedClaim(s, 'void', [{ day: DAY, units: 16 }]), status: 'cancelled' as const };
    const preauth = { ...storedClaim(s, 'preauth', [{ day: DAY, units: 16 }]), use: 'preauthorization' as const };
    const otherDay = storedClaim(s, 'other-day', [{ day: '2026-03-09', units: 16 }]);
    expect(check(vaDailyUnits, withResources(s, cancelled, preauth, otherDay))).toEqual([]);
  });

  it('authorized-units covering the day raise the limit; outside their period they do not', () => {
    const s = buildScenario();
    s.claim.item![0].quantity = { value: 5 };
    const scenario = withResources(s, storedClaim(s, 'earlier', [{ day: DAY, units: 12 }]));
    authorize(s.claim, 1, '2026-03-01', DAY);
    expect(check(vaDailyUnits, scenario)).toEqual([]);
    authorize(s.claim, 1, '2026-03-11', '2026-03-31');
    expect(check(vaDailyUnits, scenario)).toEqual([expect.objectContaining({ allowedUnits: 4 })]);
  });

  it('does not count a non-PRSS line (CPT 99213) the member had that day', () => {
    const s = buildScenario();
    const other = storedClaim(s, 'office-visit', [{ day: DAY, units: 16, code: '99213' }]);
    other.item![0].productOrService.coding![0].system = SYSTEM.cpt;
    expect(check(vaDailyUnits, withResources(s, other))).toEqual([]);
  });

  it('cancelled and entered-in-error claims never count toward the day', () => {
    for (const status of ['cancelled', 'entered-in-error'] as const) {
      const s = buildScenario();
      s.claim.item![0].quantity = { value: 5 };
      const earlier = { ...storedClaim(s, 'earlier', [{ day: DAY, units: 12 }]), status };
      expect(check(vaDailyUnits, withResources(s, earlier))).toEqual([]);
    }
  });

  it('a stored claim named in notCounted (a later entry of the same transaction Bundle) does not count; others do', () => {
    const s = buildScenario();
    s.claim.item![0].quantity = { value: 5 };
    const later = withResources(s, storedClaim(s, 'later-entry', [{ day: DAY, units: 12 }]));
    expect(vaDailyUnits.check({ ...contextOf(later), notCounted: ['later-entry'] })).toEqual([]);
    expect(vaDailyUnits.check({ ...contextOf(later), notCounted: ['some-other-claim'] })).toEqual([expect.objectContaining({ allowedUnits: 4 })]);
  });
});
