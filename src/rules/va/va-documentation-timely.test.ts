import type { RuleOptions } from '../context';
import { buildScenario, check, type Scenario } from '../testing';
import { vaDocumentationTimely as rule } from './va-documentation-timely';

/** Findings as id, severity, expression and line. */
const found = (s: Scenario, o?: Partial<RuleOptions>) =>
  check(rule, s, 'US-VA', o).map((f) => ({ id: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const diagnostics = (s: Scenario, o?: Partial<RuleOptions>) => check(rule, s, 'US-VA', o).map((f) => f.diagnostics).join('\n');
const AT_SESSION = { id: 'va-documentation-timely', severity: 'warning', expression: 'Claim.item[0].encounter[0]', item: 0 };
/** The billed session on `served`, its note signed on `signed`. */
const signedOn = (served: string, signed: string) => {
  const s = buildScenario({ serviceDate: served });
  s.notes.at(-1)!.date = `${signed}T17:00:00-05:00`;
  return s;
};

describe('va-documentation-timely', () => {
  it('passes the clean scenario (note signed the day of service)', () => {
    expect(found(buildScenario())).toEqual([]);
  });
  it('accepts a note signed the next business day (Tuesday service, Wednesday note)', () => {
    expect(found(signedOn('2026-03-10', '2026-03-11'))).toEqual([]);
  });
  it('warns about a note signed two business days late', () => {
    const s = signedOn('2026-03-10', '2026-03-12');
    expect(found(s)).toEqual([AT_SESSION]);
    expect(diagnostics(s)).toContain('signed 2026-03-12, 2 business days later; it was due by 2026-03-11');
  });
  it('accepts a Friday service signed on Monday, and warns when signed on Tuesday', () => {
    expect(found(signedOn('2026-03-13', '2026-03-16'))).toEqual([]);
    expect(found(signedOn('2026-03-13', '2026-03-17'))).toEqual([AT_SESSION]);
  });
  it('skips a federal holiday: Thursday before Independence Day observed Friday 2026-07-03 may be signed Monday', () => {
    expect(found(signedOn('2026-07-02', '2026-07-06'))).toEqual([]);
    expect(found(signedOn('2026-07-02', '2026-07-07'))).toEqual([AT_SESSION]);
  });
  it('skips the Monday holiday after a Friday service (Martin Luther King Jr. Day 2026-01-19)', () => {
    expect(found(signedOn('2026-01-16', '2026-01-20'))).toEqual([]);
  });
  it('skips a configured extra holiday', () => {
    expect(found(signedOn('2026-03-10', '2026-03-12'), { extraHolidays: ['2026-03-11'] })).toEqual([]);
  });
});
