import type { CarePlan } from 'fhir/r4';
import type { RuleContext } from '../context';
import { defineRule, type Finding } from '../engine';
import { addDays, dayOf, signaturesOf } from '../facts';
import { at, governingPlan, idOf, planCompletion, planReviews, planStart, vaLines, type VaLine } from './facts-plan';

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
  description: 'A review is held within 90 calendar days of the plan\'s completion (the date of its last required signature) and then within 90 days of the previous review; a service dated after a missed review date is an error until a review is held.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Review of Recovery, Resiliency, and Wellness Plan',
    quote: 'Under the clinical oversight of the qualified practitioner making the recommendation for service, the PRS in consultation with their direct supervisor shall conduct and document a Review of the Recovery, Resiliency, and Wellness Plan every 90 calendar days with the member and caregiver as applicable.',
    note: 'Day 90 after completion (or after the previous review) is still in time; a service on day 91 or later with no review held since is an error until a review is held, which restarts the 90 days.',
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const line of vaLines(ctx)) {
      const plan = governingPlan(ctx, line);
      if (!plan) continue;
      const anchor = reviewAnchor(ctx, plan, line);
      if (!anchor) continue;
      const held = planReviews(plan).map((r) => r.date).filter((d): d is string => !!d && d <= line.day).sort();
      let from = anchor;
      for (;;) {
        const due = addDays(from.day, 90);
        if (line.day <= due) break;
        const next = held.find((d) => d > from.day);
        if (!next) {
          out.push({
            item: line.index,
            expression: at.date(line),
            diagnostics: `RRWP ${idOf(plan)}: a review was due by ${due} (90 calendar days after ${from.what}); none was held before the service on ${line.day}`,
          });
          break;
        }
        from = { day: next, what: `the review on ${next}` };
      }
    }
    return out;
  },
});
