import { firstFiringDay } from './search-day';

describe('firstFiringDay', () => {
  it('finds the first day a monotone predicate holds, or undefined when it never does', () => {
    expect(firstFiringDay('2026-01-01', '2026-12-31', (d) => d >= '2026-04-22')).toBe('2026-04-22');
    expect(firstFiringDay('2026-01-01', '2026-12-31', () => true)).toBe('2026-01-01');
    expect(firstFiringDay('2026-01-01', '2026-12-31', () => false)).toBeUndefined();
    expect(firstFiringDay('2026-01-02', '2026-01-01', () => true)).toBeUndefined();
  });
});
