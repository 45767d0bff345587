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
/** A review held on `day` and documented on `documented` (absent: not documented). */
const reviewDocumented = (s: Scenario, day: string, documented: string | undefined): Extension => {
  const r = review(s, day);
  r.extension = r.extension!.filter((p) => p.url !== 'documented');
  if (documented) r.extension.push({ url: 'documented', valueDate: documented });
  return r;
};
const withDocumentedReview = (serviceDate: string, day: string, documented: string | undefined) => {
  const s = buildScenario({ serviceDate });
  s.plan.extension!.push(reviewDocumented(s, day, documented));
  return s;
};
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

  describe('a review counts once documented within 15 calendar days of being held (reading)', () => {
    // Completion 2026-01-21: the first review was due by 2026-04-21; it is held on 2026-04-15.
    it('counts a review documented on day 15 after it was held: a service after the due date passes', () => {
      expect(found(withDocumentedReview('2026-05-10', '2026-04-15', '2026-04-30'))).toEqual([]);
    });
    it('does not count a review documented on day 16: a service after the due date is an error', () => {
      const s = withDocumentedReview('2026-05-10', '2026-04-15', '2026-05-01');
      expect(found(s)).toEqual([AT_DATE]);
      expect(diagnostics(s)).toContain('the review held on 2026-04-15 was documented on 2026-05-01, after 2026-04-30 (15 calendar days), so it does not count');
    });
    it('holds an undocumented review as pending through its 15th day, not missed', () => {
      expect(found(withDocumentedReview('2026-04-22', '2026-04-15', undefined))).toEqual([]);
      expect(found(withDocumentedReview('2026-04-30', '2026-04-15', undefined))).toEqual([]);
    });
    it('rejects a service on day 16 after an undocumented review: it no longer counts', () => {
      const s = withDocumentedReview('2026-05-01', '2026-04-15', undefined);
      expect(found(s)).toEqual([AT_DATE]);
      expect(diagnostics(s)).toContain('the review held on 2026-04-15 was not documented by 2026-04-30 (15 calendar days), so it does not count');
    });
    it('judges a review documented late as pending for services within its 15 days (as of the date of service)', () => {
      expect(found(withDocumentedReview('2026-04-25', '2026-04-15', '2026-05-20'))).toEqual([]);
      expect(found(withDocumentedReview('2026-05-01', '2026-04-15', '2026-05-20'))).toEqual([AT_DATE]);
    });
    it('counts a review documented in time but after the date of service', () => {
      expect(found(withDocumentedReview('2026-04-22', '2026-04-15', '2026-04-29'))).toEqual([]);
    });
    it('restarts the 90 days only from a review that counts: a late review leaves the earlier one as the last', () => {
      // Reviews on 2026-04-15 (in time) and 2026-07-10 (documented on day 20): the next was due by 2026-07-14.
      const s = buildScenario({ serviceDate: '2026-07-26' });
      s.plan.extension!.push(reviewDocumented(s, '2026-04-15', '2026-04-15'), reviewDocumented(s, '2026-07-10', '2026-07-30'));
      expect(found(s)).toEqual([AT_DATE]);
      expect(diagnostics(s)).toContain('a review was due by 2026-07-14 (90 calendar days after the review on 2026-04-15)');
      const pending = buildScenario({ serviceDate: '2026-07-25' });
      pending.plan.extension!.push(reviewDocumented(pending, '2026-04-15', '2026-04-15'), reviewDocumented(pending, '2026-07-10', '2026-07-30'));
      expect(found(pending)).toEqual([]);
    });
  });
});
