import { refKey } from '../context';
import { defineRule, type Finding } from '../engine';
import { addDays, daysBetween, practitionerOf } from '../facts';
import { at, caregiverInvolved, governingPlan, idOf, planReviews, vaLines } from './facts-plan';

/** Each review is signed by the PRS, the member (and caregiver) and written up within 15 calendar days. */
export const vaRrwpReviewDocumented = defineRule({
  id: 'va-rrwp-review-documented',
  severity: 'warning',
  scope: 'plan',
  pack: 'US-VA',
  description: 'Each review is signed by the PRS and the member (and caregiver as applicable) and documented within 15 calendar days of the review.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Review of Recovery, Resiliency, and Wellness Plan',
    quote: 'The review shall be signed by the PRS and the member, and as applicable the identified caregiver.',
    note: 'The same paragraph requires reviews to "be documented by the PRS in the member\'s medical record no later than 15 calendar days from the date of the review": day 15 is in time, day 16 is not. A review held on or before the date of service is judged once its 15 days have passed or it has been documented.',
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const line of vaLines(ctx)) {
      const plan = governingPlan(ctx, line);
      if (!plan) continue;
      const withCaregiver = caregiverInvolved(ctx, plan, line);
      for (const review of planReviews(plan)) {
        if (!review.date || review.date > line.day) continue;
        const deadline = addDays(review.date, 15);
        const documentedByNow = !!review.documented && review.documented <= line.day;
        if (line.day <= deadline && !documentedByNow) continue; // still within its 15 days
        const problems: string[] = [];
        if (!review.documented) problems.push(`not documented by ${deadline}`);
        else if (review.documented > deadline) problems.push(`documented ${review.documented}, ${daysBetween(review.date, review.documented)} days after the review (limit 15, by ${deadline})`);
        const signed = (role: string, ok: (ref: string | undefined) => boolean) =>
          review.signatures.some((s) => s.role === role && s.date && ok(refKey(s.party)));
        if (!signed('prs', (r) => !!practitionerOf(ctx.data, r ? { reference: r } : undefined))) problems.push('not signed by the PRS');
        if (!signed('member', (r) => r === refKey(plan.subject))) problems.push('not signed by the member');
        if (withCaregiver && !signed('caregiver', (r) => !!r?.startsWith('RelatedPerson/'))) problems.push('not signed by the caregiver');
        if (problems.length) {
          out.push({
            item: line.index,
            expression: at.line(line),
            diagnostics: `RRWP ${idOf(plan)}: review of ${review.date} (review[${review.index}]) is ${problems.join('; ')}`,
          });
        }
      }
    }
    return out;
  },
});
