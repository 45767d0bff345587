import type { Claim, FhirResource } from 'fhir/r4';
import { buildScenario } from '../../prss/scenario';
import { CS } from '../../prss/terminology';
import { ResourceBag, defaultRuleOptions } from '../context';
import '../index';
import { computeUtilization } from './utilization';

const s = buildScenario();
/** A stored claim of the member for `units` of T1012 on the day (optionally carrying an authorization). */
const claim = (id: string, day: string, units: number, code = 'T1012', authorized?: { units: number; start: string; end: string }): Claim => ({
  ...structuredClone(s.claim), id, identifier: [{ value: id }],
  item: [{ ...structuredClone(s.claim.item![0]), productOrService: { coding: [{ system: 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets', code }] }, servicedDate: day, quantity: { value: units } }],
  ...(authorized ? { supportingInfo: [{ sequence: 1, category: { coding: [{ system: CS.supportingInfo, code: 'authorized-units' }] }, timingPeriod: { start: authorized.start, end: authorized.end }, valueQuantity: { value: authorized.units } }] } : {}),
});
const bagWith = (...claims: Claim[]) => new ResourceBag([...s.resources(), ...claims] as FhirResource[]);
const va = (bag: ResourceBag, day: string) => computeUtilization(bag, `Patient/${s.member.id}`, 'US-VA', day, defaultRuleOptions);

describe('computeUtilization (Virginia)', () => {
  it('with 15 units billed on the day, 1 of the 16 daily units remains; with 16, none', () => {
    // The scenario's claim bills 4 units of T1012 on 2026-03-10.
    const fifteen = va(bagWith(claim('x', '2026-03-10', 11)), '2026-03-10').programs.find((p) => p.program === 'arts')!;
    expect(fifteen.day).toEqual({ from: '2026-03-10', to: '2026-03-10', units: 15, combinedUnits: 15, limit: 16, authorized: 0, remaining: 1, rule: 'va-daily-units' });
    const sixteen = va(bagWith(claim('x', '2026-03-10', 12)), '2026-03-10').programs.find((p) => p.program === 'arts')!;
    expect(sixteen.day.remaining).toBe(0);
    expect(sixteen.day.units).toBe(16);
  });

  it('the daily limit is combined: MH units that day leave fewer for ARTS', () => {
    const u = va(bagWith(claim('mh', '2026-03-10', 10, 'H0024')), '2026-03-10');
    const arts = u.programs.find((p) => p.program === 'arts')!;
    const mh = u.programs.find((p) => p.program === 'mh')!;
    expect([arts.day.units, arts.day.combinedUnits, arts.day.remaining]).toEqual([4, 14, 2]);
    expect([mh.day.units, mh.day.remaining]).toEqual([10, 2]);
    expect(mh.year).toEqual(expect.objectContaining({ units: 10, limit: 3600, remaining: 3590, rule: 'va-annual-units-mh' }));
  });

  it('authorized units on a stored claim covering the date raise the limit; one repeated on two claims counts once', () => {
    const auth = { units: 8, start: '2026-03-01', end: '2026-03-31' };
    const u = va(bagWith(claim('x', '2026-03-10', 12, 'T1012', auth), claim('y', '2026-03-11', 1, 'T1012', auth)), '2026-03-10');
    const arts = u.programs.find((p) => p.program === 'arts')!;
    expect(u.authorizations.map((a) => a.units)).toEqual([8]);
    expect(arts.day).toEqual(expect.objectContaining({ units: 16, limit: 16, authorized: 8, remaining: 8 }));
    expect(arts.year).toEqual(expect.objectContaining({ limit: 3600, authorized: 8 }));
    // Outside the authorization's period nothing is raised.
    expect(va(bagWith(claim('x', '2026-04-10', 1, 'T1012', auth)), '2026-04-10').programs[0].day.authorized).toBe(0);
  });

  it('counts the week (Monday to Sunday), the year to date and the rolling 12 months', () => {
    const u = va(bagWith(claim('dec', '2025-12-15', 8), claim('wed', '2026-03-11', 2), claim('next', '2026-03-16', 3)), '2026-03-11');
    const arts = u.programs.find((p) => p.program === 'arts')!;
    expect(arts.week).toEqual(expect.objectContaining({ from: '2026-03-09', to: '2026-03-15', units: 6, limit: 16, remaining: 10, rule: 'va-weekly-plan-intensity' }));
    // Year to date counts 2026 only, through the date; the rolling window includes December.
    expect(arts.year.units).toBe(4 + 2);
    expect(arts.rolling).toEqual({ from: '2025-03-12', to: '2026-03-11', units: 14 });
    // The annual rule counts every line of the calendar year, the one dated after the date included.
    expect(arts.year.remaining).toBe(3600 - 9);
  });
});

describe('computeUtilization (Indiana)', () => {
  it('reports H0038 units against the 1,460-unit rolling limit', () => {
    const si = buildScenario({ jurisdiction: 'US-IN', key: 'in' });
    const u = computeUtilization(new ResourceBag(si.resources()), `Patient/${si.member.id}`, 'US-IN', '2026-03-10', defaultRuleOptions);
    expect(u.programs).toHaveLength(1);
    expect(u.programs[0].program).toBe('H0038');
    expect(u.programs[0].rolling).toEqual(expect.objectContaining({ units: 4, limit: 1460, remaining: 1456, rule: 'in-rolling-units' }));
  });
});

describe('computeUtilization (Connecticut transition window)', () => {
  const ct = buildScenario({ jurisdiction: 'US-CT', key: 'ct-u' });
  const use = (day: string) => computeUtilization(new ResourceBag(ct.resources()), `Patient/${ct.member.id}`, 'US-CT', day, defaultRuleOptions);
  it('shows the end of the 30-day transition from the first waiver session, in it on day 30 and not on day 31', () => {
    expect(use('2026-02-11').transition).toEqual({ firstSession: '2026-01-12', end: '2026-02-11', inWindow: true });
    expect(use('2026-02-12').transition).toEqual({ firstSession: '2026-01-12', end: '2026-02-11', inWindow: false });
  });
  it('has no transition before the member\'s first session, nor in another pack', () => {
    expect(use('2026-01-11').transition).toBeUndefined();
    expect(va(bagWith(), '2026-02-11').transition).toBeUndefined();
  });
});
