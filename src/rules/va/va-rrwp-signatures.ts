import { defineRule, type Finding } from '../engine';
import { daysBetween, signaturesOf } from '../facts';
import { at, governingPlan, idOf, planSignatures, serviceInitiation, signatureDeadline, vaLines } from './facts-plan';

/** The plan is completed, signed and dated by every required party within 30 days of service initiation. */
export const vaRrwpSignatures = defineRule({
  id: 'va-rrwp-signatures',
  severity: 'error',
  scope: 'plan',
  pack: 'US-VA',
  description: 'The RRWP is signed and dated within 30 calendar days of service initiation by the qualified practitioner who made the recommendation (the assessor, or a CSAC assessor\'s supervising practitioner), the PRS, the direct supervisor, the member and (for FSP, or when a caregiver is involved) the caregiver.',
  citation: {
    seed: '001_d1df7b5bb675feca.txt',
    section: 'Recovery, Resiliency, and Wellness Plan',
    quote: 'The Recovery, Resiliency, and Wellness plan shall be completed, signed, and dated by the qualified practitioner making the recommendation, the PRS, the direct supervisor, the member, and as applicable the caregiver involved in the member’s recovery within 30 calendar days of the initiation of service.',
    note: 'Judged for lines dated after the 30-day deadline (before it, the plan may still be completed): each required signer must have a dated signature on or before initiation + 30 days (a plan that takes over from an earlier plan of the episode: its own start + 30 days). A caregiver is required for FSP or when a session under the plan has a caregiver participant.',
  },
  check(ctx) {
    const out: Finding[] = [];
    for (const line of vaLines(ctx)) {
      const plan = governingPlan(ctx, line);
      const initiation = serviceInitiation(ctx, line.program, line.day);
      if (!plan || !initiation) continue;
      const { deadline, from, what } = signatureDeadline(ctx, plan, line.program, initiation);
      if (line.day <= deadline) continue;
      const all = signaturesOf(plan);
      const problems: string[] = [];
      for (const { signer, date } of planSignatures(ctx, plan, line.program, line)) {
        if (!date) {
          const other = all.filter((s) => s.role === signer.role && s.party);
          problems.push(other.length && signer.person
            ? `${signer.role} signed by ${other.map((s) => s.party?.reference).join(', ')}, not ${signer.person.reference}${other.some((s) => !s.date) ? ' (or undated)' : ''}`
            : `${signer.role} ${other.length ? 'signature undated' : 'not signed'}`);
        } else if (date > deadline) {
          problems.push(`${signer.role} signed ${date} (day ${daysBetween(from, date)})`);
        }
      }
      if (problems.length) {
        out.push({
          item: line.index,
          expression: at.line(line),
          diagnostics: `RRWP ${idOf(plan)} must be signed and dated within 30 calendar days of ${what} (by ${deadline}): ${problems.join('; ')}`,
        });
      }
    }
    return out;
  },
});
