import type { CarePlan } from 'fhir/r4';
import type { RuleContext } from '../context';
import { defineRule, type Finding } from '../engine';
import { addDays, dayOf, signaturesOf } from '../facts';
import { at, governingPlan, idOf, planCompletion, planReviews, planStart, reviewHolds, reviewStanding, vaLines, type VaLine } from './facts-plan';

/**
 * The date review cycles count from: the plan's completion (its last required signature). A plan
 * still missing a signature counts from its last signature on file, else its creation — so an
 * unsigned plan is not exempt from review (va-rrwp-signatures reports the signatures).
 */
function reviewAnchor(ctx: RuleContext, plan: CarePlan, line: VaLine): { day: string; what: string } | undefined {
  const completion = planCompletion(ctx, plan, line.program, line);
  if (completion) return { day: completion, what: `the plan's completion on ${completion}` };
  const last = signaturesOf(plan).map((s) => s.date).filter((d): d is string => !!d).sort().pop();
  if (last) return { day: last, what: `the plan's last signature on ${last} (it lacks a required signature)` };
  const created = dayOf(plan.created) ?? planStart(plan);
  return created ? { day: created, what: `the plan's creation on ${created} (it is not signed)` } : undefined;
}

/** A review every 90 calendar days from completion, then from the previous review. */
export const vaRrwpReviewDue = defineRule({
  id: 'va-rrwp-review-due',
  severity: 'error',
  scope: 'history',
  pack: 'US-VA',
  description: 'A review is held within 90 calendar days of the plan\'s completion (the date of its last required signature) and then within 90 days of the previous review; a service dated after a missed review date is an error until a review is held. A review counts once it is documented within 15 calendar days of the date it was held; one documented later does not count, and while its 15 days are still running it is pending, not missed.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Review of Recovery, Resiliency, and Wellness Plan',
    quote: 'Under the clinical oversight of the qualified practitioner making the recommendation for service, the PRS in consultation with their direct supervisor shall conduct and document a Review of the Recovery, Resiliency, and Wellness Plan every 90 calendar days with the member and caregiver as applicable.',
    note: 'Day 90 after completion (or after the previous review) is still in time; a service on day 91 or later with no review held since is an error until a review is held, which restarts the 90 days. Reading (the same paragraph: "For DMAS to determine that these reviews are complete, the reviews shall ... (iii) be documented by the PRS in the member\'s medical record no later than 15 calendar days from the date of the review"): a review counts once its `documented` date is within 15 calendar days of its `date` (day 15 counts, day 16 does not); a review documented later never counts; a review not documented yet is pending, not missed, through its 15th day (it holds the cycle as if held), and after that it does not count.',
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const line of vaLines(ctx)) {
      const plan = governingPlan(ctx, line);
      if (!plan) continue;
      const anchor = reviewAnchor(ctx, plan, line);
      if (!anchor) continue;
      const reviews = planReviews(plan)
        .filter((r): r is typeof r & { date: string } => !!r.date && r.date <= line.day)
        .map((r) => ({ ...r, ...reviewStanding(r, line.day) }))
        .sort((a, b) => a.date.localeCompare(b.date));
      let from = anchor;
      for (;;) {
        const due = addDays(from.day, 90);
        if (line.day <= due) break;
        const next = reviews.find((r) => r.date > from.day && reviewHolds(r.standing));
        if (!next) {
          const notCounted = reviews.filter((r) => r.date > from.day).map((r) => r.standing === 'late'
            ? `the review held on ${r.date} was documented on ${r.documented}, after ${r.documentBy} (15 calendar days), so it does not count`
            : `the review held on ${r.date} was not documented by ${r.documentBy} (15 calendar days), so it does not count`);
          out.push({
            item: line.index,
            expression: at.date(line),
            diagnostics: `RRWP ${idOf(plan)}: a review was due by ${due} (90 calendar days after ${from.what}); none was held before the service on ${line.day}`
              + (notCounted.length ? ` that counts: ${notCounted.join('; ')}` : ''),
          });
          break;
        }
        from = { day: next.date, what: `the review on ${next.date}${next.standing === 'pending' ? ` (pending: to be documented by ${next.documentBy})` : ''}` };
      }
    }
    return out;
  },
});
