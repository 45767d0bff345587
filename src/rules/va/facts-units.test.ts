import { monthEnd, monthsBetween, periodsOverlap, weekOf } from './facts-units';

describe('unit-limit calendar helpers', () => {
  it('puts Sunday 2026-03-08 in the week of Monday 03-02 (Monday start) or of itself (Sunday start)', () => {
    expect(weekOf('2026-03-08', 1)).toBe('2026-03-02');
    expect(weekOf('2026-03-09', 1)).toBe('2026-03-09');
    expect(weekOf('2026-03-08', 0)).toBe('2026-03-08');
    expect(weekOf('2026-01-01', 1)).toBe('2025-12-29');
  });

  it('finds the last day of a month n months on, across years and leap Februaries', () => {
    expect(monthEnd('2026-01-12', 2)).toBe('2026-03-31');
    expect(monthEnd('2027-12-05', 2)).toBe('2028-02-29');
    expect(monthEnd('2026-02-10')).toBe('2026-02-28');
  });

  it('counts whole calendar months strictly between two dates', () => {
    expect(monthsBetween('2026-01-31', '2026-03-01')).toBe(1);
    expect(monthsBetween('2026-01-12', '2026-04-01')).toBe(2);
    expect(monthsBetween('2025-12-20', '2026-01-05')).toBe(0);
    expect(monthsBetween('2025-11-20', '2026-02-01')).toBe(2);
  });

  it('treats periods that only touch as not overlapping, and compares instants across offsets', () => {
    const a = { start: '2026-03-10T10:00:00-05:00', end: '2026-03-10T11:00:00-05:00' };
    expect(periodsOverlap(a, { start: '2026-03-10T11:00:00-05:00', end: '2026-03-10T12:00:00-05:00' })).toBe(false);
    expect(periodsOverlap(a, { start: '2026-03-10T10:59:00-05:00', end: '2026-03-10T12:00:00-05:00' })).toBe(true);
    expect(periodsOverlap(a, { start: '2026-03-10T15:30:00Z', end: '2026-03-10T16:30:00Z' })).toBe(true);
    expect(periodsOverlap(a, { start: '2026-03-10T10:30:00-05:00' })).toBe(false);
  });
});
