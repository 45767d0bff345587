import type { RuleOptions } from '../context';
import { buildScenario, check, type Scenario } from '../testing';
import { vaRrwpReviewDue as rule } from './va-rrwp-review-due';

/** Findings as id, severity, expression and line. */
const found = (s: Scenario, o?: Partial<RuleOptions>) =>
  check(rule, s, 'US-VA', o).map((f) => ({ id: rule.id, severity: rule.severity, expression: f.expression, item: f.item }));
const diagnostics = (s: Scenario, o?: Partial<RuleOptions>) => check(rule, s, 'US-VA', o).map((f) => f.diagnostics).join('\n');
import type { Extension } from 'fhir/r4';
import { EXT } from '../../prss/terminology';
import { ref } from '../../prss/scenario';

const AT_DATE = { id: 'va-rrwp-review-due', severity: 'error', expression: 'Claim.item[0].servicedDate', item: 0 };
/** A review held on the day, documented the same day, signed by the PRS and the member. */
const review = (s: Scenario, day: string): Extension => ({
  url: EXT.review,
  extension: [
    { url: 'date', valueDate: day }, { url: 'documented', valueDate: day },
    { url: 'signature', extension: [{ url: 'role', valueCode: 'prs' }, { url: 'party', valueReference: ref(s.prsRole) }, { url: 'date', valueDate: day }] },
    { url: 'signature', extension: [{ url: 'role', valueCode: 'member' }, { url: 'party', valueReference: ref(s.member) }, { url: 'date', valueDate: day }] },
    { url: 'goalsUpdated', valueBoolean: true },
  ],
});
const withReviews = (serviceDate: string, ...days: string[]) => {
  const s = buildScenario({ serviceDate });
  s.plan.extension!.push(...days.map((d) => review(s, d)));
  return s;
};

describe('va-rrwp-review-due', () => {
  it('passes the clean scenario (plan completed 2026-01-21, service 2026-03-10)', () => {
    expect(found(buildScenario())).toEqual([]);
  });
  it('allows a service on day 90 after the plan\'s completion with no review yet', () => {
    expect(found(withReviews('2026-04-21'))).toEqual([]);
  });
  it('rejects a service on day 91 after the plan\'s completion when no review was held', () => {
    const s = withReviews('2026-04-22');
    expect(found(s)).toEqual([AT_DATE]);
    expect(diagnostics(s)).toContain('a review was due by 2026-04-21 (90 calendar days after the plan\'s completion on 2026-01-21)');
  });
  it('counts from the last required signature', () => {
    const s = withReviews('2026-04-22');
    const sup = s.plan.extension!.find((e) => e.extension?.some((p) => p.url === 'role' && p.valueCode === 'direct-supervisor'))!;
    sup.extension!.find((p) => p.url === 'date')!.valueDate = '2026-01-22';
    expect(found(s)).toEqual([]);
  });
  it('counts the next 90 days from the previous review: day 90 passes, day 91 fails', () => {
    expect(found(withReviews('2026-07-14', '2026-04-15'))).toEqual([]);
    expect(found(withReviews('2026-07-15', '2026-04-15'))).toEqual([AT_DATE]);
  });
  it('rejects services after a missed review date until a review is held, then allows them again', () => {
    expect(found(withReviews('2026-04-30', '2026-05-01'))).toEqual([AT_DATE]);
    expect(found(withReviews('2026-05-01', '2026-05-01'))).toEqual([]);
    expect(found(withReviews('2026-07-30', '2026-05-01'))).toEqual([]);
  });
});
