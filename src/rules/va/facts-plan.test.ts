import type { CarePlan, ServiceRequest } from 'fhir/r4';
import { CS } from '../../prss/terminology';
import { amendedPlan, buildScenario, contextOf } from '../testing';
import {
  addMonths, businessDaysBetween, federalHolidays, isBusinessDay, isExclusionCode, isMhCode, isSudCode, lastDayOfMonth,
  governingPlan, nextBusinessDay, planCompletion, planInForce, requiredSigners, reviewStanding, serviceInitiation, vaLines,
} from './facts-plan';

describe('US federal holidays and business days', () => {
  it('lists the eleven 2026 federal holidays, Independence Day observed on Friday July 3', () => {
    expect([...federalHolidays(2026)].sort()).toEqual([
      '2026-01-01', '2026-01-19', '2026-02-16', '2026-05-25', '2026-06-19', '2026-07-03',
      '2026-09-07', '2026-10-12', '2026-11-11', '2026-11-26', '2026-12-25',
    ]);
  });
  it('observes a Saturday New Year\'s Day on the previous December 31 and a Sunday Christmas on the Monday after', () => {
    expect(federalHolidays(2021).has('2021-12-31')).toBe(true);
    expect(federalHolidays(2022).has('2022-01-01')).toBe(false);
    expect(federalHolidays(2022).has('2022-12-26')).toBe(true);
    expect(federalHolidays(2023).has('2023-01-02')).toBe(true);
  });
  it('has no Juneteenth before 2021', () => {
    expect(federalHolidays(2020).has('2020-06-19')).toBe(false);
    expect(federalHolidays(2021).has('2021-06-18')).toBe(true); // Saturday June 19 observed Friday
  });
  it('skips weekends, observed holidays and configured extra holidays', () => {
    expect(nextBusinessDay('2026-03-10')).toBe('2026-03-11');
    expect(nextBusinessDay('2026-03-13')).toBe('2026-03-16'); // Friday -> Monday
    expect(nextBusinessDay('2026-03-14')).toBe('2026-03-16'); // Saturday -> Monday
    expect(nextBusinessDay('2026-07-02')).toBe('2026-07-06'); // Thursday before observed July 3
    expect(nextBusinessDay('2026-03-10', ['2026-03-11'])).toBe('2026-03-12');
    expect(isBusinessDay('2026-11-26')).toBe(false);
    expect(businessDaysBetween('2026-03-13', '2026-03-17')).toBe(2);
  });
});

describe('ICD-10-CM ranges', () => {
  it('sorts codes into substance use, mental health and excluding conditions', () => {
    expect(['F10.20', 'F19.99', 'F11.20'].every(isSudCode)).toBe(true);
    expect(isSudCode('F20.9')).toBe(false);
    expect(['F20.9', 'F33.1', 'F69', 'F90.0', 'F99'].every(isMhCode)).toBe(true);
    expect(['F70', 'F84.0', 'F89', 'F09', 'F03.90', 'G30.9', 'S06.2X1A'].every(isExclusionCode)).toBe(true);
    expect(['F10.20', 'F90.0', 'G31.0', 'S07.0'].some(isExclusionCode)).toBe(false);
  });
});

describe('months', () => {
  it('steps across a year end and knows the last day of February', () => {
    expect(addMonths('2025-12', 1)).toBe('2026-01');
    expect(addMonths('2026-01', -1)).toBe('2025-12');
    expect(lastDayOfMonth('2026-02')).toBe('2026-02-28');
    expect(lastDayOfMonth('2028-02')).toBe('2028-02-29');
  });
});

describe('service initiation', () => {
  it('is the first finished session under the program', () => {
    const s = buildScenario();
    expect(serviceInitiation(contextOf(s), 'arts', '2026-03-10')).toBe('2026-01-12');
    expect(serviceInitiation(contextOf(s), 'mh', '2026-03-10')).toBeUndefined();
  });
  it('is not reset by a reassessment while services continue', () => {
    const s = buildScenario();
    const again: ServiceRequest = { ...s.assessment, id: 'reassessment', authoredOn: '2026-03-01' };
    expect(serviceInitiation(contextOf({ ...s, resources: () => [...s.resources(), again] }), 'arts', '2026-03-10')).toBe('2026-01-12');
  });
  it('after a discharge, is the first session on or after the next assessment', () => {
    const s = buildScenario();
    const old: CarePlan = { ...s.plan, id: 'old-plan', status: 'completed', period: { start: '2025-06-01', end: '2026-02-20' } };
    const again: ServiceRequest = { ...s.assessment, id: 'reassessment', authoredOn: '2026-03-01' };
    const withNew = { ...s, resources: () => [...s.resources(), old, again] };
    expect(serviceInitiation(contextOf(withNew), 'arts', '2026-03-10')).toBe('2026-03-03');
    expect(serviceInitiation(contextOf(withNew), 'arts', '2026-02-17')).toBe('2026-01-12'); // before the discharge
    expect(serviceInitiation(contextOf({ ...s, resources: () => [...s.resources(), old] }), 'arts', '2026-03-10')).toBeUndefined();
  });
  it('counts a failed contact attempt as no service', () => {
    const s = buildScenario();
    s.sessions[0].status = 'cancelled';
    expect(serviceInitiation(contextOf(s), 'arts', '2026-03-10')).toBe('2026-02-03');
  });
});

describe('the plan', () => {
  it('is in force from its period start, and completes on its last required signature', () => {
    const s = buildScenario();
    const ctx = contextOf(s);
    expect(planInForce(ctx, 'arts', '2026-01-12')).toBe(s.plan);
    expect(planInForce(ctx, 'arts', '2026-01-11')).toBeUndefined();
    expect(planInForce(ctx, 'mh', '2026-03-10')).toBeUndefined();
    expect(planCompletion(ctx, s.plan, 'arts')).toBe('2026-01-21');
  });
  it('needs the caregiver\'s signature once an FSP session is delivered under it', () => {
    const s = buildScenario();
    const ctx = contextOf(s);
    expect(requiredSigners(ctx, s.plan, 'arts').map((r) => r.role)).toEqual(['qualified-practitioner', 'prs', 'direct-supervisor', 'member']);
    s.session.serviceType = { coding: [{ system: CS.service, code: 'fsp' }] };
    expect(requiredSigners(contextOf(s), s.plan, 'arts', vaLines(contextOf(s))[0]).map((r) => r.role)).toContain('caregiver');
    expect(planCompletion(contextOf(s), s.plan, 'arts')).toBeUndefined();
  });
});

describe('a plan amended by a new CarePlan that replaces it', () => {
  const amended = (serviceDate: string) => {
    const s = buildScenario({ serviceDate });
    const next = amendedPlan(s, 'rrwp-amended', '2026-03-10', { daysPerWeek: 2, hoursPerWeek: 2 });
    return contextOf({ claim: s.claim, resources: () => [...s.resources(), next] });
  };
  it('governs from the new plan\'s start, though the session names the old plan; the old plan governs the day before', () => {
    const on = amended('2026-03-10');
    expect(governingPlan(on, vaLines(on)[0])?.id).toBe('rrwp-amended');
    expect(planInForce(on, 'arts', '2026-03-10')?.id).toBe('rrwp-amended');
    const before = amended('2026-03-09');
    expect(governingPlan(before, vaLines(before)[0])?.id).toBe('rrwp-1');
    expect(planInForce(before, 'arts', '2026-03-09')?.id).toBe('rrwp-1');
  });
});

describe('review standing (va-rrwp-review-due\'s reading)', () => {
  it('counts a review documented by day 15, pends it while undocumented through day 15, and not after', () => {
    const held = '2026-04-15';
    expect(reviewStanding({ date: held, documented: '2026-04-30' }, '2026-06-01')).toEqual({ standing: 'counts', documentBy: '2026-04-30' });
    expect(reviewStanding({ date: held, documented: '2026-05-01' }, '2026-06-01')).toEqual({ standing: 'late', documentBy: '2026-04-30' });
    expect(reviewStanding({ date: held }, '2026-04-30')).toEqual({ standing: 'pending', documentBy: '2026-04-30' });
    expect(reviewStanding({ date: held }, '2026-05-01')).toEqual({ standing: 'undocumented', documentBy: '2026-04-30' });
    expect(reviewStanding({ date: held, documented: '2026-04-29' }, '2026-04-20')).toEqual({ standing: 'pending', documentBy: '2026-04-30' });
  });
});
